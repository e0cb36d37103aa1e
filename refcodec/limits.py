"""Format limits (spec/gpc.md §13). Every one is a MUST for readers and writers.

They bound what any file can make a reader allocate: a reader checks each
declared size against these values before it reads or decompresses anything.
"""

from __future__ import annotations

#: LIM-1: largest file, in bytes.
MAX_FILE_BYTES = 1 << 20
#: LIM-1: smallest file that can be valid (signature, versions, size,
#: one stored text chunk with one byte of text, CRC).
MIN_FILE_BYTES = 4 + 2 + 1 + 5 + 4
#: LIM-2: largest width and largest height, in pixels.
MAX_DIMENSION = 16384
#: LIM-3: largest decoded text, in UTF-8 bytes (decompression-bomb bound).
MAX_TEXT_BYTES = 16384
#: LIM-4: most chunks in one file.
MAX_CHUNKS = 16
#: VINT-3: longest variable-length integer, in bytes (values below 2**21).
MAX_VARINT_BYTES = 3
#: META-2: longest metadata key and value, in bytes.
MAX_META_KEY_BYTES = 32
MAX_META_VALUE_BYTES = 1024
#: IMG-10: longest side of a bounded reference image, in pixels (1536 / 8).
MAX_REFERENCE_SIDE = 192
#: IMG-11: files whose ``read_version`` byte is at least this use the bounded size rule.
BOUNDED_REFERENCE_SINCE = 0x12
