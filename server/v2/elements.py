"""The elements of one BYTES tensor: text from a JSON request, bytes from binary data."""

from __future__ import annotations

from collections.abc import Sequence

Elements = Sequence[str | bytes]
