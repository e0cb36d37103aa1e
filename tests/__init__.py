"""The test suite; its helpers (``tests.support``, ``tests.samples``, ``tests.openai_server``,
``tests.independent_reader``) are imported by package name, also from ``benchmarks/``."""
