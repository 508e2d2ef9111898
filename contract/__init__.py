"""What training and serving must agree on, defined once.

`text` turns a product into model input; `artifact` is the on-disk format of an
exported model. Neither imports scikit-learn, torch or any web framework.
"""
