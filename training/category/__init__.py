"""The category model: Fashion-MNIST images in the brief's five groups (PyTorch, CPU)."""
