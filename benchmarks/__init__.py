"""Benchmarks, run from the repository root: ``python -m benchmarks.run`` (every one) or
``python -m benchmarks.bench_<name>``. They import ``refcodec``, ``benchmarks.corpus`` and the
test helpers (``tests.openai_server``) by package name."""
