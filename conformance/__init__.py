"""The GPC conformance suite: case definitions, the generator and the Kaitai Struct reader.

Run its scripts as modules from the repository root, e.g. ``python -m conformance.generate``
(see README.md).
"""
