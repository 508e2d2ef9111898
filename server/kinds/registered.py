"""The kinds of model this server serves: one line per kind."""

from __future__ import annotations

from server.kinds.declaration import ServedKind
from server.kinds.image_classification import IMAGE_CLASSIFICATION
from server.kinds.text_classification import TEXT_CLASSIFICATION

SERVED_KINDS: dict[str, ServedKind] = {kind.task: kind for kind in (TEXT_CLASSIFICATION, IMAGE_CLASSIFICATION)}
