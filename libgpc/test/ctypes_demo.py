#!/usr/bin/env python3
"""Calls libgpc through ctypes (the way a Python package would); usage:
ctypes_demo.py LIBGPC_SO FILE.gpc"""
import ctypes, sys

class GpcInfo(ctypes.Structure):
    _fields_ = [("result", ctypes.c_int32), ("clause", ctypes.c_char * 16),
                ("message", ctypes.c_char * 240), ("file_size", ctypes.c_uint32),
                ("version", ctypes.c_uint32), ("read_version", ctypes.c_uint32),
                ("size_preset", ctypes.c_uint32), ("width", ctypes.c_uint32),
                ("height", ctypes.c_uint32), ("template_id", ctypes.c_int32),
                ("text_codec", ctypes.c_int32), ("text_length", ctypes.c_uint32),
                ("image_codec", ctypes.c_int32), ("lowres_width", ctypes.c_uint32),
                ("lowres_height", ctypes.c_uint32), ("image_check", ctypes.c_uint32),
                ("image_model", ctypes.c_int32), ("chunk_count", ctypes.c_uint32),
                ("chunk_tag", ctypes.c_uint32 * 16), ("chunk_offset", ctypes.c_uint32 * 16),
                ("chunk_size", ctypes.c_uint32 * 16)]

lib = ctypes.CDLL(sys.argv[1])
lib.gpc_version.restype = ctypes.c_char_p
lib.gpc_validate.argtypes = [ctypes.c_char_p, ctypes.c_size_t, ctypes.POINTER(GpcInfo)]
lib.gpc_request_json.argtypes = [ctypes.c_char_p, ctypes.c_size_t, ctypes.POINTER(ctypes.c_void_p),
                                 ctypes.POINTER(ctypes.c_size_t), ctypes.POINTER(GpcInfo)]
lib.gpc_ppm1_decode.argtypes = [ctypes.c_char_p, ctypes.c_size_t, ctypes.c_size_t,
                                ctypes.c_char_p, ctypes.c_size_t, ctypes.POINTER(GpcInfo)]
lib.gpc_free.argtypes = [ctypes.c_void_p]

buf = open(sys.argv[2], "rb").read()
info = GpcInfo()
rc = lib.gpc_validate(buf, len(buf), ctypes.byref(info))
print(lib.gpc_version().decode(), "validate:", rc, info.clause.decode(), info.message.decode(),
      "%dx%d" % (info.width, info.height))
p, n = ctypes.c_void_p(), ctypes.c_size_t()
if lib.gpc_request_json(buf, len(buf), ctypes.byref(p), ctypes.byref(n), None) == 0:
    print("request:", ctypes.string_at(p, n.value)[:80], "...")
    lib.gpc_free(p)
# gpc-ppm1 fast path on the spec's second test vector (text-codec.md §8)
data = bytes.fromhex("fe108ede039c3f")
out = ctypes.create_string_buffer(44)
rc = lib.gpc_ppm1_decode(data, len(data), 44, out, 44, None)
print("ppm1:", rc, out.raw)
