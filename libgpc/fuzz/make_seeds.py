#!/usr/bin/env python3
"""Seed corpora for the libFuzzer harnesses, from the conformance cases.
Parses the container itself (spec/gpc.md); usage: make_seeds.py CASES OUTDIR"""
import os, sys, struct

def varint(b, i):
    v = s = 0
    for k in range(3):
        if i >= len(b):
            raise ValueError
        c = b[i]; i += 1
        v |= (c & 0x7F) << s; s += 7
        if not c & 0x80:
            return v, i
    raise ValueError

PRESETS = {1: (1024, 1024), 2: (1536, 1024), 3: (1024, 1536), 4: (512, 512), 5: (768, 512),
           6: (512, 768), 7: (2048, 2048), 8: (256, 256)}

def chunks(b):
    if len(b) < 16 or b[:4] != b'\x89GPC':
        return None
    i = 6
    p, i = varint(b, i)
    if p == 0:
        w, i = varint(b, i); h, i = varint(b, i)
    else:
        w, h = PRESETS.get(p, (1, 1))
    out = []
    end = len(b) - 4
    while i < end:
        tag = b[i]; i += 1
        n, i = varint(b, i)
        out.append((tag, b[i:i + n])); i += n
    return w, h, out

def main():
    cases, outdir = sys.argv[1], sys.argv[2]
    names = ['reader', 'text0', 'text1', 'text2', 'text3', 'image1', 'image2', 'image3']
    for n in names:
        os.makedirs(os.path.join(outdir, n), exist_ok=True)
    for cid in sorted(os.listdir(cases)):
        b = open(os.path.join(cases, cid, 'input.gpc'), 'rb').read()
        open(os.path.join(outdir, 'reader', cid), 'wb').write(b)
        try:
            w, h, cs = chunks(b)
        except Exception:
            continue
        for tag, p in cs:
            try:
                if tag == 1:
                    t, j = varint(p, 0); c, j = varint(p, j)
                    if c == 0:
                        seed = p[j:]
                    elif c <= 3:
                        tl, j = varint(p, j)
                        seed = struct.pack('<H', (tl | 0x8000) if tl >= 2049 else tl) + p[j:]
                    else:
                        continue
                    open(os.path.join(outdir, 'text%d' % c, cid), 'wb').write(seed)
                elif tag == 2:
                    c, j = varint(p, 0)
                    if 1 <= c <= 3 and w <= 2048 and h <= 2048:
                        seed = struct.pack('<HH', w - 1, h - 1) + p[j:]
                        open(os.path.join(outdir, 'image%d' % c, cid), 'wb').write(seed)
            except ValueError:
                pass
    for n in names:
        print(n, len(os.listdir(os.path.join(outdir, n))))

main()
