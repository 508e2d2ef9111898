"""The input contract a model records in its artifact metadata: what it reads and how that becomes
the ONNX input. Tagged by `kind`, so a runtime can check it was given the model it expects."""

from __future__ import annotations

from typing import Literal

import msgspec

from contract.text import TokenizerSpec

TextFeatures = Literal["term_counts", "tokens"]


class TextInput(msgspec.Struct, frozen=True, forbid_unknown_fields=True, tag_field="kind", tag="text"):
    """Input contract of a text model: which product fields, how they become the graph's input."""

    fields: list[str]
    recipe: str
    tokenizer: TokenizerSpec
    onnx_input: str
    onnx_input_shape: list[str]
    # What the ONNX input holds. "term_counts" (format 3): the vocabulary's counts per product
    # (contract.term_counts). "tokens" (formats 1 and 2): each product's terms as a row of strings,
    # padded with '', which the graph's `TfIdfVectorizer` looks up itself.
    features: TextFeatures = "tokens"


class ImageInput(msgspec.Struct, frozen=True, forbid_unknown_fields=True, tag_field="kind", tag="image"):
    """Input contract of an image model, recorded in the artifact metadata."""

    height: int
    width: int
    channels: int
    value_range: list[float]
    polarity: str
    recipe: str
    accepted_formats: list[str]
    onnx_input: str
    onnx_input_shape: list[str]
