"""The category model: PyTorch networks on Fashion-MNIST grouped into the brief's five groups,
its runs, its ONNX export behind the equivalence gate, its drift features and the EDA."""
