"""What the server declares for one kind of runtime: its queue bound, and its tensors in the Open
Inference Protocol with the decoder that turns them into the runtime's items."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from server.settings import ServerSettings
from server.v2.tensors import Elements
from server.v2.wire import TensorMetadata

# Every classification kind answers the same two outputs; `probabilities` has one column per label.
LABEL_OUTPUT = "label"
PROBABILITIES_OUTPUT = "probabilities"


class TensorDecoder(Protocol):
    def __call__(self, elements: Mapping[str, Elements]) -> Sequence[Any]:
        """One input's elements per input name → the runtime's items; RequestError names a problem.
        Each input's count has passed `check_count` already (server/v2/tensors.py)."""
        ...

    def check_count(self, count: int) -> None:
        """Refuses (400, naming the setting) more items than one request may hold. Called on the
        shape each input declares, before its elements are read (server/v2/tensors.py)."""
        ...


@dataclass(frozen=True)
class ServedKind:
    task: str  # the artifact metadata's `task` (inference/kinds.py)
    queue_setting: str  # the ServerSettings field bounding the items a worker holds for one such model
    inputs: tuple[TensorMetadata, ...]  # its V2 input tensors
    decoder: Callable[[ServerSettings], TensorDecoder]  # built once per worker, with the limits
    decode_off_loop: bool  # CPU-heavy decoding (images) runs on the decode pool

    def outputs(self, labels: int) -> list[TensorMetadata]:
        return [
            TensorMetadata(LABEL_OUTPUT, "BYTES", [-1]),
            TensorMetadata(PROBABILITIES_OUTPUT, "FP32", [-1, labels]),
        ]
