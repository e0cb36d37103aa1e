# This is a generated file! Please edit source .ksy file and use kaitai-struct-compiler to rebuild
# type: ignore

import kaitaistruct
from kaitaistruct import KaitaiStruct, KaitaiStream, BytesIO
from enum import IntEnum


if getattr(kaitaistruct, 'API_VERSION', (0, 9)) < (0, 11):
    raise Exception("Incompatible Kaitai Struct Python API: 0.11 or later is required, but you have %s" % (kaitaistruct.__version__))

class Gpc(KaitaiStruct):
    """INFORMATIVE Kaitai Struct description of the GPC 1.2 container. The prose
    specification spec/gpc.md is normative; where this file and the prose differ,
    the prose wins.
    
    What this description does not check, and a reader must check outside it
    (see conformance/kaitai/reader.py): the order of checks (§18), the file
    length bounds (LIM-1), the CRC-32 (INT-1; Kaitai Struct has no checksums),
    VER-2/VER-3, the size-preset registry and explicit-size rules (HDR-1, HDR-2,
    LIM-2), chunk rules (CHK-3, CHK-5, CHK-6, CHK-7, LIM-4), the text chunk's
    registries, limits and decoding (TPL-1, TXT-2..TXT-6, LIM-3), IMG-2, and the
    meta rules (META-1 trailing bytes, META-2).
    
    .. seealso::
       spec/gpc.md
    """

    class ChunkTypes(IntEnum):
        text = 1
        image = 2
        meta = 129

    class SizePresets(IntEnum):
        explicit = 0
        s1024x1024 = 1
        s1536x1024 = 2
        s1024x1536 = 3
        s512x512 = 4
        s768x512 = 5
        s512x768 = 6
        s2048x2048 = 7
        s256x256 = 8

    class Templates(IntEnum):
        verbatim = 0
        raster_scan_v1 = 1

    class TextCodecs(IntEnum):
        stored = 0
        deflate = 1
        brotli = 2
        gpc_ppm1 = 3
    def __init__(self, _io, _parent=None, _root=None):
        super(Gpc, self).__init__(_io)
        self._parent = _parent
        self._root = _root or self
        self._read()

    def _read(self):
        self.signature = self._io.read_bytes(4)
        if not self.signature == b"\x89\x47\x50\x43":
            raise kaitaistruct.ValidationNotEqualError(b"\x89\x47\x50\x43", self.signature, self._io, u"/seq/0")
        self.version = self._io.read_u1()
        if not self.version >= 16:
            raise kaitaistruct.ValidationLessThanError(16, self.version, self._io, u"/seq/1")
        if not self.version <= 31:
            raise kaitaistruct.ValidationGreaterThanError(31, self.version, self._io, u"/seq/1")
        self.read_version = self._io.read_u1()
        if not self.read_version >= 16:
            raise kaitaistruct.ValidationLessThanError(16, self.read_version, self._io, u"/seq/2")
        if not self.read_version <= self._root.version:
            raise kaitaistruct.ValidationGreaterThanError(self._root.version, self.read_version, self._io, u"/seq/2")
        self._raw_body = self._io.read_bytes((self._io.size() - self._io.pos()) - 4)
        _io__raw_body = KaitaiStream(BytesIO(self._raw_body))
        self.body = Gpc.Body(_io__raw_body, self, self._root)
        self.crc32 = self._io.read_u4le()


    def _fetch_instances(self):
        pass
        self.body._fetch_instances()

    class Body(KaitaiStruct):
        """The bytes between the versions and the CRC (§3)."""
        def __init__(self, _io, _parent=None, _root=None):
            super(Gpc.Body, self).__init__(_io)
            self._parent = _parent
            self._root = _root
            self._read()

        def _read(self):
            self.image_size = Gpc.ImageSize(self._io, self, self._root)
            self.chunks = []
            i = 0
            while not self._io.is_eof():
                self.chunks.append(Gpc.Chunk(self._io, self, self._root))
                i += 1



        def _fetch_instances(self):
            pass
            self.image_size._fetch_instances()
            for i in range(len(self.chunks)):
                pass
                self.chunks[i]._fetch_instances()



    class Chunk(KaitaiStruct):
        """§6.1 chunk layout."""
        def __init__(self, _io, _parent=None, _root=None):
            super(Gpc.Chunk, self).__init__(_io)
            self._parent = _parent
            self._root = _root
            self._read()

        def _read(self):
            self.tag = Gpc.ChunkTag(self._io, self, self._root)
            self.length = Gpc.Varint(self._io, self, self._root)
            _on = self.tag.value
            if _on == 1:
                pass
                self._raw_payload = self._io.read_bytes(self.length.value)
                _io__raw_payload = KaitaiStream(BytesIO(self._raw_payload))
                self.payload = Gpc.TextPayload(_io__raw_payload, self, self._root)
            elif _on == 129:
                pass
                self._raw_payload = self._io.read_bytes(self.length.value)
                _io__raw_payload = KaitaiStream(BytesIO(self._raw_payload))
                self.payload = Gpc.MetaPayload(_io__raw_payload, self, self._root)
            elif _on == 2:
                pass
                self._raw_payload = self._io.read_bytes(self.length.value)
                _io__raw_payload = KaitaiStream(BytesIO(self._raw_payload))
                self.payload = Gpc.ImagePayload(_io__raw_payload, self, self._root)
            else:
                pass
                self.payload = self._io.read_bytes(self.length.value)


        def _fetch_instances(self):
            pass
            self.tag._fetch_instances()
            self.length._fetch_instances()
            _on = self.tag.value
            if _on == 1:
                pass
                self.payload._fetch_instances()
            elif _on == 129:
                pass
                self.payload._fetch_instances()
            elif _on == 2:
                pass
                self.payload._fetch_instances()
            else:
                pass


    class ChunkTag(KaitaiStruct):
        """§6.1 tag byte."""
        def __init__(self, _io, _parent=None, _root=None):
            super(Gpc.ChunkTag, self).__init__(_io)
            self._parent = _parent
            self._root = _root
            self._read()

        def _read(self):
            self.is_ancillary = self._io.read_bits_int_be(1) != 0
            self.reserved = self._io.read_bits_int_be(1) != 0
            if not self.reserved == False:
                raise kaitaistruct.ValidationNotEqualError(False, self.reserved, self._io, u"/types/chunk_tag/seq/1")
            self.type_number = self._io.read_bits_int_be(6)


        def _fetch_instances(self):
            pass

        @property
        def chunk_type(self):
            if hasattr(self, '_m_chunk_type'):
                return self._m_chunk_type

            self._m_chunk_type = KaitaiStream.resolve_enum(Gpc.ChunkTypes, self.value)
            return getattr(self, '_m_chunk_type', None)

        @property
        def value(self):
            """The whole tag byte; compare tags by this value (CHK-5)."""
            if hasattr(self, '_m_value'):
                return self._m_value

            self._m_value = ((128 if self.is_ancillary else 0) | (64 if self.reserved else 0)) | self.type_number
            return getattr(self, '_m_value', None)


    class ImagePayload(KaitaiStruct):
        """§9 image chunk payload (IMG-1). Version 1.2 registers codecs 1-3 (png, webp, avif;
        spec/lowres.md) and 16 (msillm; spec/neural.md) (IMG-2).
        """
        def __init__(self, _io, _parent=None, _root=None):
            super(Gpc.ImagePayload, self).__init__(_io)
            self._parent = _parent
            self._root = _root
            self._read()

        def _read(self):
            self.codec = Gpc.Varint(self._io, self, self._root)
            self.check = self._io.read_u4le()
            self.data = self._io.read_bytes_full()


        def _fetch_instances(self):
            pass
            self.codec._fetch_instances()


    class ImageSize(KaitaiStruct):
        """§5.3. HDR-1, HDR-2 and LIM-2 are checked outside."""
        def __init__(self, _io, _parent=None, _root=None):
            super(Gpc.ImageSize, self).__init__(_io)
            self._parent = _parent
            self._root = _root
            self._read()

        def _read(self):
            self.size_preset = Gpc.Varint(self._io, self, self._root)
            if self.size_preset.value == 0:
                pass
                self.width = Gpc.Varint(self._io, self, self._root)

            if self.size_preset.value == 0:
                pass
                self.height = Gpc.Varint(self._io, self, self._root)



        def _fetch_instances(self):
            pass
            self.size_preset._fetch_instances()
            if self.size_preset.value == 0:
                pass
                self.width._fetch_instances()

            if self.size_preset.value == 0:
                pass
                self.height._fetch_instances()


        @property
        def height_px(self):
            """Image height in pixels (§17.4); 0 for an unregistered preset (invalid, HDR-1)."""
            if hasattr(self, '_m_height_px'):
                return self._m_height_px

            self._m_height_px = (self.height.value if self.size_preset.value == 0 else (1024 if self.size_preset.value == 1 else (1024 if self.size_preset.value == 2 else (1536 if self.size_preset.value == 3 else (512 if self.size_preset.value == 4 else (512 if self.size_preset.value == 5 else (768 if self.size_preset.value == 6 else (2048 if self.size_preset.value == 7 else (256 if self.size_preset.value == 8 else 0)))))))))
            return getattr(self, '_m_height_px', None)

        @property
        def preset(self):
            if hasattr(self, '_m_preset'):
                return self._m_preset

            self._m_preset = KaitaiStream.resolve_enum(Gpc.SizePresets, self.size_preset.value)
            return getattr(self, '_m_preset', None)

        @property
        def width_px(self):
            """Image width in pixels (§17.4); 0 for an unregistered preset (invalid, HDR-1)."""
            if hasattr(self, '_m_width_px'):
                return self._m_width_px

            self._m_width_px = (self.width.value if self.size_preset.value == 0 else (1024 if self.size_preset.value == 1 else (1536 if self.size_preset.value == 2 else (1024 if self.size_preset.value == 3 else (512 if self.size_preset.value == 4 else (768 if self.size_preset.value == 5 else (512 if self.size_preset.value == 6 else (2048 if self.size_preset.value == 7 else (256 if self.size_preset.value == 8 else 0)))))))))
            return getattr(self, '_m_width_px', None)


    class MetaEntry(KaitaiStruct):
        """§10. META-2 (checked outside): key 1-32 bytes of a-z 0-9 . _ -, keys in
        strictly ascending byte order; value valid UTF-8 of at most 1,024 bytes.
        """
        def __init__(self, _io, _parent=None, _root=None):
            super(Gpc.MetaEntry, self).__init__(_io)
            self._parent = _parent
            self._root = _root
            self._read()

        def _read(self):
            self.key_length = Gpc.Varint(self._io, self, self._root)
            self.key = self._io.read_bytes(self.key_length.value)
            self.value_length = Gpc.Varint(self._io, self, self._root)
            self.value = self._io.read_bytes(self.value_length.value)


        def _fetch_instances(self):
            pass
            self.key_length._fetch_instances()
            self.value_length._fetch_instances()

        @property
        def key_text(self):
            if hasattr(self, '_m_key_text'):
                return self._m_key_text

            self._m_key_text = (self.key).decode(u"ASCII")
            return getattr(self, '_m_key_text', None)

        @property
        def value_text(self):
            if hasattr(self, '_m_value_text'):
                return self._m_value_text

            self._m_value_text = (self.value).decode(u"UTF-8")
            return getattr(self, '_m_value_text', None)


    class MetaPayload(KaitaiStruct):
        """§10 meta chunk payload."""
        def __init__(self, _io, _parent=None, _root=None):
            super(Gpc.MetaPayload, self).__init__(_io)
            self._parent = _parent
            self._root = _root
            self._read()

        def _read(self):
            self.count = Gpc.Varint(self._io, self, self._root)
            self.entries = []
            for i in range(self.count.value):
                self.entries.append(Gpc.MetaEntry(self._io, self, self._root))

            self.trailing = self._io.read_bytes_full()
            _ = self.trailing
            if not len(_) == 0:
                raise kaitaistruct.ValidationExprError(self.trailing, self._io, u"/types/meta_payload/seq/2")


        def _fetch_instances(self):
            pass
            self.count._fetch_instances()
            for i in range(len(self.entries)):
                pass
                self.entries[i]._fetch_instances()



    class TextPayload(KaitaiStruct):
        """§8.1 text chunk payload. TXT-1 - a payload that ends inside a varint is invalid."""
        def __init__(self, _io, _parent=None, _root=None):
            super(Gpc.TextPayload, self).__init__(_io)
            self._parent = _parent
            self._root = _root
            self._read()

        def _read(self):
            self.template = Gpc.Varint(self._io, self, self._root)
            self.codec = Gpc.Varint(self._io, self, self._root)
            if self.codec.value != 0:
                pass
                self.text_length = Gpc.Varint(self._io, self, self._root)

            self.data = self._io.read_bytes_full()


        def _fetch_instances(self):
            pass
            self.template._fetch_instances()
            self.codec._fetch_instances()
            if self.codec.value != 0:
                pass
                self.text_length._fetch_instances()


        @property
        def codec_id(self):
            if hasattr(self, '_m_codec_id'):
                return self._m_codec_id

            self._m_codec_id = KaitaiStream.resolve_enum(Gpc.TextCodecs, self.codec.value)
            return getattr(self, '_m_codec_id', None)

        @property
        def template_id(self):
            if hasattr(self, '_m_template_id'):
                return self._m_template_id

            self._m_template_id = KaitaiStream.resolve_enum(Gpc.Templates, self.template.value)
            return getattr(self, '_m_template_id', None)


    class Varint(KaitaiStruct):
        """§2.2: unsigned LEB128, least significant 7-bit group first, bit 7 set on
        every byte but the last; at most 3 bytes (VINT-3), shortest form (VINT-2).
        A varint that runs past the end of its data (VINT-1) raises an end-of-stream
        error.
        """
        def __init__(self, _io, _parent=None, _root=None):
            super(Gpc.Varint, self).__init__(_io)
            self._parent = _parent
            self._root = _root
            self._read()

        def _read(self):
            self.b0 = self._io.read_u1()
            if self.b0 >= 128:
                pass
                self.b1 = self._io.read_u1()
                if not self.b1 >= 1:
                    raise kaitaistruct.ValidationLessThanError(1, self.b1, self._io, u"/types/varint/seq/1")

            if  ((self.b0 >= 128) and (self.b1 >= 128)) :
                pass
                self.b2 = self._io.read_u1()
                if not self.b2 >= 1:
                    raise kaitaistruct.ValidationLessThanError(1, self.b2, self._io, u"/types/varint/seq/2")
                if not self.b2 <= 127:
                    raise kaitaistruct.ValidationGreaterThanError(127, self.b2, self._io, u"/types/varint/seq/2")



        def _fetch_instances(self):
            pass
            if self.b0 >= 128:
                pass

            if  ((self.b0 >= 128) and (self.b1 >= 128)) :
                pass


        @property
        def num_bytes(self):
            """Number of bytes the varint occupies (1 to 3)."""
            if hasattr(self, '_m_num_bytes'):
                return self._m_num_bytes

            self._m_num_bytes = (1 if self.b0 < 128 else (2 if self.b1 < 128 else 3))
            return getattr(self, '_m_num_bytes', None)

        @property
        def value(self):
            """The decoded value, below 2^21."""
            if hasattr(self, '_m_value'):
                return self._m_value

            self._m_value = (self.b0 if self.num_bytes == 1 else (self.b0 & 127 | self.b1 << 7 if self.num_bytes == 2 else (self.b0 & 127 | (self.b1 & 127) << 7) | self.b2 << 14))
            return getattr(self, '_m_value', None)



