"""The pattern model: TF-IDF + SGD on product text (the prototype's procedure), its runs, its
ONNX export behind the equivalence gate and its drift features."""
