"""The brief's five product groups over Fashion-MNIST's ten classes (the class → group mapping), defined once.

Training (targets, grouped metrics), the exported graph (class probabilities summed into
groups), the artifact metadata and the server all read these names and this mapping."""

from __future__ import annotations

import numpy as np

# Fashion-MNIST's label order (the IDX label files store these indices).
CLASSES: tuple[str, ...] = (
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
)

# The brief's groups, spelled exactly as the brief writes them; this order is the model's output order.
GROUP_MEMBERS: dict[str, tuple[str, ...]] = {
    "Upper part": ("T-shirt/top", "Pullover", "Coat", "Shirt"),
    "Bottom part": ("Trouser",),
    "One piece": ("Dress",),
    "Footwear": ("Sandal", "Sneaker", "Ankle boot"),
    "Bags": ("Bag",),
}
GROUPS: tuple[str, ...] = tuple(GROUP_MEMBERS)

CLASS_TO_GROUP: np.ndarray = np.array(
    [next(g for g, members in enumerate(GROUP_MEMBERS.values()) if name in members) for name in CLASSES],
    dtype=np.int64,
)


def group_of(class_index: int) -> str:
    return GROUPS[int(CLASS_TO_GROUP[class_index])]


def to_groups(class_indices: np.ndarray) -> np.ndarray:
    """Class indices (any shape) → group indices."""
    return CLASS_TO_GROUP[np.asarray(class_indices, dtype=np.int64)]


def grouping_matrix() -> np.ndarray:
    """(10, 5) 0/1 matrix: class probabilities @ matrix = group probabilities."""
    matrix = np.zeros((len(CLASSES), len(GROUPS)), dtype=np.float32)
    matrix[np.arange(len(CLASSES)), CLASS_TO_GROUP] = 1.0
    return matrix
