"""Python parser generated from spec/gpc.ksy by compile.mjs; do not edit."""
