meta:
  id: gpc
  title: GPC (Generative Picture Container) 1.2
  application: GPC generative image compression
  file-extension: gpc
  xref:
    mime: image/x-gpc
  license: Apache-2.0
  ks-version: '0.11'
  endian: le
  bit-endian: be
doc: |
  INFORMATIVE Kaitai Struct description of the GPC 1.2 container. The prose
  specification spec/gpc.md is normative; where this file and the prose differ,
  the prose wins.

  What this description does not check, and a reader must check outside it
  (see conformance/kaitai/reader.py): the order of checks (§18), the file
  length bounds (LIM-1), the CRC-32 (INT-1; Kaitai Struct has no checksums),
  VER-2/VER-3, the size-preset registry and explicit-size rules (HDR-1, HDR-2,
  LIM-2), chunk rules (CHK-3, CHK-5, CHK-6, CHK-7, LIM-4), the text chunk's
  registries, limits and decoding (TPL-1, TXT-2..TXT-6, LIM-3), IMG-2, and the
  meta rules (META-1 trailing bytes, META-2).
doc-ref: spec/gpc.md
seq:
  - id: signature
    contents: [0x89, 0x47, 0x50, 0x43]
    doc: SIG-1 (§4). 0x89 then ASCII "GPC".
  - id: version
    type: u1
    valid:
      min: 0x10
      max: 0x1f
    doc: |
      §5.1, VER-1: specification version the writer followed; major version in the
      high nibble (must be 1), minor in the low nibble (0x10 is 1.0).
  - id: read_version
    type: u1
    valid:
      min: 0x10
      max: _root.version
    doc: |
      §5.1, VER-2: lowest version a reader must implement; same major as `version`
      and not greater. VER-3: a 1.m reader rejects a read_version minor above m
      (a 1.2 reader accepts 0x10 to 0x12; checked outside).
  - id: body
    size: _io.size - _io.pos - 4
    type: body
    doc: |
      §3, FILE-1: the header size fields and the chunks fill every byte between
      offset 6 and the last four bytes of the file.
  - id: crc32
    type: u4
    doc: |
      §7, INT-1: CRC-32 (ISO-HDLC / zlib / PNG) of every byte before it, stored
      u32le. Not verified by Kaitai Struct: check it outside.
types:
  varint:
    doc: |
      §2.2: unsigned LEB128, least significant 7-bit group first, bit 7 set on
      every byte but the last; at most 3 bytes (VINT-3), shortest form (VINT-2).
      A varint that runs past the end of its data (VINT-1) raises an end-of-stream
      error.
    seq:
      - id: b0
        type: u1
        doc: First group (bits 0-6 of the value); bit 7 set if another byte follows.
      - id: b1
        type: u1
        if: b0 >= 0x80
        valid:
          min: 1
        doc: |
          Second group (bits 7-13). VINT-2: a last byte of 0x00 is not the
          shortest form, so b1 must not be 0x00.
      - id: b2
        type: u1
        if: b0 >= 0x80 and b1 >= 0x80
        valid:
          min: 1
          max: 0x7f
        doc: |
          Third group (bits 14-20). It must be the last byte (VINT-3: no fourth
          byte, bit 7 clear; a reader must not read a fourth byte) and must not be
          0x00 (VINT-2).
    instances:
      num_bytes:
        value: 'b0 < 0x80 ? 1 : (b1 < 0x80 ? 2 : 3)'
        doc: Number of bytes the varint occupies (1 to 3).
      value:
        value: |
          num_bytes == 1 ? b0 :
          (num_bytes == 2 ? (b0 & 0x7f) | (b1 << 7) :
          (b0 & 0x7f) | ((b1 & 0x7f) << 7) | (b2 << 14))
        doc: The decoded value, below 2^21.
  body:
    doc: The bytes between the versions and the CRC (§3).
    seq:
      - id: image_size
        type: image_size
        doc: §5.3 size fields.
      - id: chunks
        type: chunk
        repeat: eos
        doc: |
          §6: one or more chunks up to the CRC (FILE-1). Tags must not decrease
          (CHK-5); at most 16 chunks (LIM-4); exactly one text chunk (CHK-7).
  image_size:
    doc: §5.3. HDR-1, HDR-2 and LIM-2 are checked outside.
    seq:
      - id: size_preset
        type: varint
        doc: |
          HDR-1: 0 (explicit size) or an ID of the size-preset registry (§17.4,
          enum size_presets).
      - id: width
        type: varint
        if: size_preset.value == 0
        doc: HDR-2, LIM-2 (1 to 16,384); present only when size_preset is 0.
      - id: height
        type: varint
        if: size_preset.value == 0
        doc: HDR-2, LIM-2 (1 to 16,384); present only when size_preset is 0.
    instances:
      preset:
        value: size_preset.value
        enum: size_presets
      width_px:
        value: |
          size_preset.value == 0 ? width.value :
          size_preset.value == 1 ? 1024 : size_preset.value == 2 ? 1536 :
          size_preset.value == 3 ? 1024 : size_preset.value == 4 ? 512 :
          size_preset.value == 5 ? 768 : size_preset.value == 6 ? 512 :
          size_preset.value == 7 ? 2048 : size_preset.value == 8 ? 256 : 0
        doc: Image width in pixels (§17.4); 0 for an unregistered preset (invalid, HDR-1).
      height_px:
        value: |
          size_preset.value == 0 ? height.value :
          size_preset.value == 1 ? 1024 : size_preset.value == 2 ? 1024 :
          size_preset.value == 3 ? 1536 : size_preset.value == 4 ? 512 :
          size_preset.value == 5 ? 512 : size_preset.value == 6 ? 768 :
          size_preset.value == 7 ? 2048 : size_preset.value == 8 ? 256 : 0
        doc: Image height in pixels (§17.4); 0 for an unregistered preset (invalid, HDR-1).
  chunk:
    doc: §6.1 chunk layout.
    seq:
      - id: tag
        type: chunk_tag
      - id: length
        type: varint
        doc: §6.1, CHK-2 - number of payload bytes; must fit before the CRC.
      - id: payload
        size: length.value
        type:
          switch-on: tag.value
          cases:
            0x01: text_payload
            0x02: image_payload
            0x81: meta_payload
        doc: |
          §6.2: known payload layouts. Unknown ancillary chunks are kept as raw
          bytes (CHK-4); unknown critical chunks make the file invalid (CHK-3).
  chunk_tag:
    doc: §6.1 tag byte.
    seq:
      - id: is_ancillary
        type: b1
        doc: Bit 7. false = critical, true = ancillary (§6.1, §6.3).
      - id: reserved
        type: b1
        valid: false
        doc: Bit 6. Reserved, must be zero (CHK-1, §5.2).
      - id: type_number
        type: b6
        doc: Bits 0-5. Numbers 0x30-0x3F are private and never registered (§17.1).
    instances:
      value:
        value: '(is_ancillary ? 0x80 : 0) | (reserved ? 0x40 : 0) | type_number'
        doc: The whole tag byte; compare tags by this value (CHK-5).
      chunk_type:
        value: value
        enum: chunk_types
  text_payload:
    doc: §8.1 text chunk payload. TXT-1 - a payload that ends inside a varint is invalid.
    seq:
      - id: template
        type: varint
        doc: TPL-1, §11, §17.3 (enum templates).
      - id: codec
        type: varint
        doc: TXT-2, §8.2, §17.2 (enum text_codecs).
      - id: text_length
        type: varint
        if: codec.value != 0
        doc: |
          Decoded length in UTF-8 bytes; absent for codec 0. LIM-3: 1 to 16,384,
          checked before decompressing; output bounded (§8.3).
      - id: data
        size-eos: true
        doc: |
          The coded text: UTF-8 (codec 0, 1 to 16,384 bytes), raw DEFLATE (1),
          Brotli (2) or gpc-ppm1 (3, spec/text-codec.md). TXT-3 (one complete stream ending exactly here), TXT-4
          (exact length), TXT-5 (strict UTF-8), TXT-6 (no C0 controls except TAB
          and LF, no DEL) are checked outside.
    instances:
      template_id:
        value: template.value
        enum: templates
      codec_id:
        value: codec.value
        enum: text_codecs
  image_payload:
    doc: |
      §9 image chunk payload (IMG-1). Version 1.2 registers codecs 1-3 (png, webp, avif;
      spec/lowres.md) and 16 (msillm; spec/neural.md) (IMG-2).
    seq:
      - id: codec
        type: varint
        doc: IMG-2, §17.5.
      - id: check
        type: u4
        doc: IMG-3, CRC-32 of the codec's decoded symbols (u32le).
      - id: data
        size-eos: true
        doc: The codec's payload.
  meta_payload:
    doc: §10 meta chunk payload.
    seq:
      - id: count
        type: varint
        doc: Number of entries.
      - id: entries
        type: meta_entry
        repeat: expr
        repeat-expr: count.value
      - id: trailing
        size-eos: true
        valid:
          expr: _.length == 0
        doc: META-1, exactly `count` entries and nothing after them.
  meta_entry:
    doc: |
      §10. META-2 (checked outside): key 1-32 bytes of a-z 0-9 . _ -, keys in
      strictly ascending byte order; value valid UTF-8 of at most 1,024 bytes.
    seq:
      - id: key_length
        type: varint
      - id: key
        size: key_length.value
      - id: value_length
        type: varint
      - id: value
        size: value_length.value
    instances:
      key_text:
        value: key.to_s("ASCII")
      value_text:
        value: value.to_s("UTF-8")
enums:
  chunk_types:
    0x01:
      id: text
      doc: critical, max count 1, since 1.0 (§8)
    0x02:
      id: image
      doc: critical, max count 1, since 1.0 (§9)
    0x81:
      id: meta
      doc: ancillary, max count 1, since 1.0 (§10)
  text_codecs:
    0: stored
    1: deflate
    2: brotli
    3: gpc_ppm1
  templates:
    0: verbatim
    1: raster_scan_v1
  size_presets:
    0: explicit
    1: s1024x1024
    2: s1536x1024
    3: s1024x1536
    4: s512x512
    5: s768x512
    6: s512x768
    7: s2048x2048
    8: s256x256
