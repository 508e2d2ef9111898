"""Image bytes the tests share."""

from __future__ import annotations

import io

from PIL import Image


def decompression_bomb() -> bytes:
    """A 6000×6000 PNG (36 Mpixel) in ~35 kB: small on the wire, huge once decoded."""
    buffer = io.BytesIO()
    Image.new("L", (6000, 6000)).save(buffer, "PNG")
    return buffer.getvalue()
