"""Coverage-guided fuzzing of the reference reader with atheris (`python -m fuzz`).

Every harness feeds bytes to the reader and accepts two outcomes besides success:
``refcodec.FormatError`` (the input is not a valid file) and ``BackendUnavailable`` (a
documented GpcError: the image codec cannot be checked here). Anything else, a native
crash, a timeout or running out of memory is a finding. See fuzz/README.md.
"""
