"""Model side of the core: vocabulary, ONNX inference, sampling and constrained decoding (no torch here)."""
