"""One libFuzzer process for one harness: ``GPC_FUZZ_HARNESS=NAME python -m fuzz.worker [args]``.

Started by ``python -m fuzz`` (never needed directly). refcodec is imported under
atheris's instrumentation, lazily imported modules included, so coverage guides the
search through the reader's Python code.
"""

from __future__ import annotations

import importlib
import os
import sys

import atheris

#: refcodec modules the reader imports lazily; imported here so they are instrumented too.
LAZY = ("refcodec.lowres", "refcodec.lowres.avif", "refcodec.lowres.webp", "refcodec.lowres.png",
        "refcodec.textmodel", "refcodec.request", "refcodec.schema", "refcodec.textcodecs")
OPTIONAL = ("refcodec.neural",)  # the neural extra may be missing


def main() -> None:
    # The harness comes from the environment and argv[0] is replaced by an executable
    # wrapper: libFuzzer's fork mode starts its children as argv[0] plus flags.
    name = os.environ["GPC_FUZZ_HARNESS"]
    args = [os.environ.get("GPC_FUZZ_EXE", sys.argv[0]), *sys.argv[1:]]
    with atheris.instrument_imports(include=["refcodec", "fuzz.harnesses", "fuzz.framing"]):
        for module in LAZY:
            importlib.import_module(module)
        for module in OPTIONAL:
            try:
                importlib.import_module(module)
            except ImportError:
                pass
        from fuzz.harnesses import HARNESSES
        from refcodec.errors import GpcError
    try:  # torch and compressai take seconds to import: not inside the first unit's timeout
        from refcodec.neural import _require_backend

        _require_backend()
    except GpcError:
        pass  # the neural extra is optional (its files are then BackendUnavailable)
    harness = HARNESSES[name]
    atheris.Setup(args, harness.target)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
