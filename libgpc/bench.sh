#!/bin/sh
# libgpc benchmark: 10,000 text-only .gpc files made by the reference encoder
# (its default text codec choice, --lowres none) from ~1,250-character
# descriptions, then `gpcc validate DIR` (one process) and one gpc-ppm1 decode.
# Usage: sh libgpc/bench.sh   (from the repository root or libgpc/)
set -u
cd "$(dirname "$0")"
ROOT=..
PY=${PY:-$ROOT/.venv/bin/python}
B=bench
NDISTINCT=${NDISTINCT:-300}
NFILES=${NFILES:-10000}
make -s all build/bench_ppm1 || exit 1
mkdir -p $B/texts $B/distinct $B/files
if [ ! -f $B/.encoded ]; then
  python3 - "$ROOT/descriptions" $B "$NDISTINCT" <<'PYEOF'
import json, os, sys, zlib, struct
src, out, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
texts = []
for f in sorted(os.listdir(src)):
    if f.endswith('.jsonl'):
        for line in open(os.path.join(src, f), encoding='utf-8'):
            texts.append(json.loads(line)['text'])
# distinct ~1,250-character texts: the lines of one description, then lines of
# another, until about 1,250 characters
for i in range(n):
    a = texts[i % len(texts)].split('\n')
    b = texts[(i * 7 + 3) % len(texts)].split('\n')
    lines, size = [], 0
    for ln in a + b[1:] + a[1:]:
        if size + len(ln) + 1 > 1300:
            break
        lines.append(ln); size += len(ln) + 1
    t = '\n'.join(lines)
    open(os.path.join(out, 'texts', '%04d.txt' % i), 'w', encoding='utf-8').write(t)
# a 1024x1024 grey PNG: only its size is recorded
raw = b''.join(b'\x00' + b'\x80' * 3072 for _ in range(1024))
def chunk(t, d): return struct.pack('>I', len(d)) + t + d + struct.pack('>I', zlib.crc32(t + d))
png = b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', struct.pack('>IIBBBBB', 1024, 1024, 8, 2, 0, 0, 0)) + \
      chunk(b'IDAT', zlib.compress(raw)) + chunk(b'IEND', b'')
open(os.path.join(out, 'source.png'), 'wb').write(png)
PYEOF
  ls $B/texts | sed 's/\.txt$//' | xargs -P 2 -I{} env PYTHONPATH=$ROOT $PY -m refcodec encode $B/source.png \
      -o $B/distinct/{}.gpc --text-file $B/texts/{}.txt --lowres none
  touch $B/.encoded
fi
if [ "$(ls $B/files | wc -l)" -ne "$NFILES" ]; then
  rm -rf $B/files && mkdir -p $B/files
  i=0; set -- $B/distinct/*.gpc; nd=$#
  while [ $i -lt "$NFILES" ]; do
    j=$(( i % nd + 1 )); eval f=\${$j}
    cp "$f" $B/files/$(printf '%05d' $i).gpc
    i=$((i + 1))
  done
fi
echo "files: $(ls $B/files | wc -l) ($(ls $B/distinct | wc -l) distinct), mean size $(cat $B/files/*.gpc | wc -c | awk -v n=$NFILES '{printf "%.0f", $1/n}') bytes"
echo "text codecs: $(for f in $B/distinct/*.gpc; do build/gpcc info --json $f | grep '"text_codec"'; done | sort | uniq -c | tr -s ' ' | tr '\n' ';')"
build/gpcc validate $B/files > /dev/null   # warm the page cache
for J in 1 $(nproc); do
  best=""
  for run in 1 2 3; do
    t0=$(date +%s%N); build/gpcc validate -j $J $B/files > $B/validate.out; rc=$?; t1=$(date +%s%N)
    ns=$((t1 - t0)); echo "run $run: gpcc validate -j $J $B/files: $NFILES files in $((ns / 1000000)) ms, exit $rc, $(grep -c ': ok$' $B/validate.out) ok"
    if [ -z "$best" ] || [ $ns -lt $best ]; then best=$ns; fi
  done
  echo "gpcc validate -j $J: best $(awk -v n=$NFILES -v ns=$best 'BEGIN{printf "%.0f", n / (ns / 1e9)}') files/s (target >= 50,000)"
done
build/bench_ppm1 $B/distinct/*.gpc
# the Python reference on the same files, one call each: with libgpc as its fast path, and
# pure Python (GPC_PURE_PYTHON=1) as the baseline of the same run
for MODE in libgpc pure; do
  if [ $MODE = pure ]; then export GPC_PURE_PYTHON=1; else unset GPC_PURE_PYTHON; fi
  t0=$(date +%s%N); PYTHONPATH=$ROOT $PY -m refcodec validate -q $B/files; rc=$?; t1=$(date +%s%N)
  ns=$((t1 - t0))
  echo "gpc validate ($MODE): $NFILES files in $((ns / 1000000)) ms, exit $rc, $(awk -v n=$NFILES -v ns=$ns 'BEGIN{printf "%.0f", n / (ns / 1e9)}') files/s (target with libgpc >= 10,000)"
done
unset GPC_PURE_PYTHON
