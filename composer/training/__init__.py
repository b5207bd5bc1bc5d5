"""Training and fine-tuning in PyTorch (an optional extra) and export to ONNX; the only package importing torch."""
