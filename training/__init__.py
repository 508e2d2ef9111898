"""Training: experiment configs → runs (`runs/<run-id>/`) → ONNX export (`artifacts/`)."""
