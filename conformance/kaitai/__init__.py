"""Kaitai Struct conformance reader for GPC (see README.md)."""
