"""The pattern model's export: the ONNX graph from tokens, the equivalence checks against
scikit-learn, and the export itself (export.py)."""
