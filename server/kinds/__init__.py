"""How the server feeds each kind of runtime (inference/kinds.py): the items a worker may queue
for one such model, and, for the Open Inference Protocol, its tensors. Every model directory is
served by its kind; `registered.py` lists the kinds."""
