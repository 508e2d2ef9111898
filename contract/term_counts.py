"""How a product becomes the pattern model's input since artifact format 3: how often each
vocabulary term occurs in it.

The exported graph starts after scikit-learn's vocabulary lookup: its input is a dense float32
matrix, one row per product and one column per term, in the fitted vectorizer's `vocabulary_`
order. The terms travel inside the ONNX file (metadata property TERMS_METADATA_KEY), so the
graph and the columns it reads cannot part. Counting here rather than in onnxruntime's string
`TfIdfVectorizer` spares the padded token matrix and the string tensor onnxruntime copied and
hashed again: 6.8 µs per product in batches of 100, where the token matrix alone took 15.6
(benchmarks/PROFILE.md).

Two ways to count give the same counts:
- the reference, for any product: `Tokenizer.terms` (Python's `str.lower` and `re`, the
  definition the export gate proves against scikit-learn), each term looked up in the vocabulary;
- a shortcut for the words of a product whose name and description are ASCII, with the default
  token pattern and unigram words: one `bytes.translate` deletes the digits (`product_text`'s
  rule), lowercases and turns every byte that is not a word character into a space; `split()`
  then yields the maximal runs of word characters, which for ASCII text are what `\\w\\w+` finds,
  except the one-character runs, which like stop words are left out of the shortcut's vocabulary.
  One pass in C instead of `str.lower`, the digit regex and the token regex; the words are looked
  up as the bytes `split()` returns. The name terms of a spec that builds them (a few per product)
  still come from the reference. A property test holds the two ways to equal counts.
"""

from __future__ import annotations

import json
import string
from collections.abc import Mapping, Sequence

import numpy as np

from contract.text import NAME_DESCRIPTION_SEPARATOR, SKLEARN_TOKEN_PATTERN, TextProduct, Tokenizer, TokenizerSpec

TERM_COUNTS_INPUT = "term_counts"
TERM_COUNTS_SHAPE = ["products", "terms"]
# The ONNX metadata property that lists the input's columns, as a JSON array of strings.
TERMS_METADATA_KEY = "catalogue.text.terms"


def terms_property(terms: Sequence[str]) -> dict[str, str]:
    """The ONNX metadata property that lists a graph's input columns (export writes it)."""
    return {TERMS_METADATA_KEY: json.dumps(list(terms), ensure_ascii=False)}


def listed_terms(properties: Mapping[str, str]) -> list[str] | None:
    """The input columns an ONNX file's metadata properties list, or None when they list none."""
    listed = properties.get(TERMS_METADATA_KEY)
    return None if listed is None else [str(term) for term in json.loads(listed)]


_WORD_BYTES = (string.ascii_letters + string.digits + "_").encode()
_DIGITS = string.digits.encode()
_ONE = np.float32(1)


class TermCounter:
    """Counts the vocabulary's terms in batches of products: the graph's `term_counts` input."""

    def __init__(self, spec: TokenizerSpec, terms: Sequence[str]) -> None:
        self._tokenizer = Tokenizer(spec)
        self.width = len(terms)
        # Column + 1, so that `filter(None, ...)` drops the unknown terms (None) without a Python loop.
        self._columns: dict[str, int] = {term: column + 1 for column, term in enumerate(terms)}
        self._ascii_columns = _ascii_columns(spec, self._columns) if _ascii_shortcut_applies(spec) else None
        self._table = _word_bytes_table(spec.lowercase)
        self._name_terms = self._tokenizer.name_terms if spec.builds_terms else None

    def counts(self, products: Sequence[TextProduct]) -> np.ndarray:
        columns, ascii_columns, width = self._columns, self._ascii_columns, self.width
        terms, name_terms = self._tokenizer.terms, self._name_terms
        table, digits, separator = self._table, _DIGITS, NAME_DESCRIPTION_SEPARATOR
        cells: list[int] = []  # one per occurrence: its index in the flattened matrix
        for row, product in enumerate(products):  # the hot path: the per-word work runs in C
            to_cell = (row * width - 1).__add__  # column + 1 → cell
            name, description = product.name, product.description
            if ascii_columns is not None and name.isascii() and description.isascii():
                words = f"{name}{separator}{description}".encode().translate(table, digits).split()
                cells.extend(map(to_cell, filter(None, map(ascii_columns.get, words))))
                if name_terms is not None:
                    cells.extend(map(to_cell, filter(None, map(columns.get, name_terms(name)))))
            else:
                cells.extend(map(to_cell, filter(None, map(columns.get, terms(product)))))
        matrix = np.zeros((len(products), width), dtype=np.float32)
        # float32 increments: with a Python int, numpy takes a path 3x slower
        np.add.at(matrix.reshape(-1), np.array(cells, dtype=np.intp), _ONE)
        return matrix


def _word_bytes_table(lowercase: bool) -> bytes:
    """A `bytes.translate` table: word bytes to themselves (upper case to lower case when the spec
    lowercases, as `str.lower` does for ASCII), every other byte to a space."""
    table = bytearray(b" " * 256)
    for byte in _WORD_BYTES:
        table[byte] = byte
    if lowercase:
        for upper, lower in zip(string.ascii_uppercase.encode(), string.ascii_lowercase.encode(), strict=True):
            table[upper] = lower
    return bytes(table)


def _ascii_shortcut_applies(spec: TokenizerSpec) -> bool:
    return spec.token_pattern == SKLEARN_TOKEN_PATTERN and spec.ngram_range == (1, 1)


def _ascii_columns(spec: TokenizerSpec, columns: Mapping[str, int]) -> dict[bytes, int]:
    """The words the shortcut can meet: ASCII runs of two or more word characters that are not stop
    words. A term outside it (a stop word, a one-letter word, a name term: `name:` holds a byte
    that is not a word character) is one the reference never yields as a word."""
    stop = set(spec.stop_words)
    return {
        term.encode(): column
        for term, column in columns.items()
        if term.isascii() and len(term) >= 2 and term not in stop and all(c in _WORD_BYTES for c in term.encode())
    }
