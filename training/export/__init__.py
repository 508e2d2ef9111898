"""The export machinery every model shares: the staging directory swapped into artifacts/, the
artifact metadata builder and the equivalence gate's verdict. Each model's own conversion and
checks live in its package (training/pattern/export/, training/category/export/)."""
