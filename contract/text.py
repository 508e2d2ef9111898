"""How a product becomes the pattern model's input.

Training feeds `product_text` to scikit-learn's `TfidfVectorizer`; serving counts the terms
of `Tokenizer` (contract.term_counts) and feeds the counts to the ONNX graph (format 2 graphs
took the tokens themselves). `Tokenizer` reproduces the vectorizer's word analyzer (lowercase,
token regex, stop-word removal, word n-grams) with Python's own `str.lower` and `re`, because
the ONNX `StringNormalizer`/`Tokenizer` ops disagree with Python on non-ASCII text. The export
gate proves the two paths agree.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import msgspec
import numpy as np

_ASCII_DIGIT_RUNS = re.compile(r"[0-9]+")
NAME_DESCRIPTION_SEPARATOR = ";"
# scikit-learn's default token pattern, and a faster regex that finds the same tokens: a maximal
# run of word characters is bounded by word boundaries on both sides, so `\w\w+` (greedy, scanned
# left to right by findall) matches exactly the runs of two or more word characters that
# `\b\w\w+\b` matches, without testing boundaries (~25% less time per product).
SKLEARN_TOKEN_PATTERN = r"(?u)\b\w\w+\b"
EQUIVALENT_TOKEN_PATTERNS = {SKLEARN_TOKEN_PATTERN: r"\w\w+"}


@dataclass(frozen=True, slots=True)
class TextProduct:
    """The product fields the pattern model reads."""

    name: str
    description: str


def product_text(name: str, description: str) -> str:
    """The prototype's recipe: name, ';', description, with ASCII digit runs deleted."""
    return _ASCII_DIGIT_RUNS.sub("", name + NAME_DESCRIPTION_SEPARATOR + description)


NAME_TERM_MARK = "name:"  # starts every name term; `\w` never matches ':', so no word token holds it


class TokenizerSpec(msgspec.Struct, frozen=True, forbid_unknown_fields=True, omit_defaults=True):
    """The text analyzer of a model, as stored in artifact metadata.

    By default it is the word analyzer of a fitted `TfidfVectorizer`: the tokens of `product_text`,
    which the graph counts (and pairs into n-grams when the vectorizer asked for them). With
    `name_ngram_range` set, it builds every term itself and the graph counts whole strings: the
    same word tokens, plus the word n-grams of the product's name (stop words removed, joined by
    one space, marked NAME_TERM_MARK), each `name_weight` times: the name says the pattern more
    often than the description does. Training fits on these same terms (`TextTerms` as the
    vectorizer's analyzer), so one definition serves both sides."""

    token_pattern: str
    lowercase: bool
    stop_words: list[str]
    # The word n-grams the vectorizer counts. Format 3 graphs read term counts, so serving pairs the
    # words (`Tokenizer.terms`); a format 2 graph pairs them itself and its spec never says.
    ngram_range: tuple[int, int] = (1, 1)
    name_ngram_range: tuple[int, int] | None = None
    name_weight: int = 1

    @property
    def builds_terms(self) -> bool:
        return self.name_ngram_range is not None


class Tokenizer:
    """Splits product text into the tokens the vectorizer counts, stop words removed."""

    def __init__(self, spec: TokenizerSpec) -> None:
        self.spec = spec
        pattern = re.compile(spec.token_pattern)
        if pattern.groups > 1:
            raise ValueError(
                f"token_pattern {spec.token_pattern!r} has {pattern.groups} groups; scikit-learn allows at most one"
            )
        self._findall = re.compile(EQUIVALENT_TOKEN_PATTERNS.get(spec.token_pattern, spec.token_pattern)).findall
        self._stop_words = frozenset(spec.stop_words)

    def tokens(self, text: str) -> list[str]:
        if self.spec.lowercase:
            text = text.lower()
        stop = self._stop_words
        return [token for token in self._findall(text) if token not in stop]

    def terms(self, product: TextProduct) -> list[str]:
        """What the model counts for one product: the tokens of its text (and their n-grams), and
        its name terms when the spec builds them."""
        words = self.tokens(product_text(product.name, product.description))
        if self.spec.name_ngram_range is None:
            return word_ngrams(words, self.spec.ngram_range)
        return words + self.name_terms(product.name)

    def name_terms(self, name: str) -> list[str]:
        """The marked word n-grams of a product's name, `name_weight` times (none unless the spec
        builds terms)."""
        if self.spec.name_ngram_range is None:
            return []
        low, high = self.spec.name_ngram_range
        tokens = self.tokens(_ASCII_DIGIT_RUNS.sub("", name))
        mark = NAME_TERM_MARK
        marked = [mark + " ".join(tokens[i : i + n]) for n in range(low, high + 1) for i in range(len(tokens) - n + 1)]
        return marked * self.spec.name_weight

    def product_matrix(self, products: Sequence[TextProduct]) -> np.ndarray:
        """The graph's input for a batch of products: one row of terms each, padded with ''."""
        if self.spec.builds_terms:
            return pad_rows([self.terms(p) for p in products])
        return self.token_matrix(product_text(p.name, p.description) for p in products)

    def token_matrix(self, texts: Iterable[str]) -> np.ndarray:
        """Tokens of each text as rows of a string matrix, padded with '' (never a token)."""
        findall, stop = self._findall, self._stop_words  # `tokens` inlined: this runs per product
        if self.spec.lowercase:
            rows = [[token for token in findall(text.lower()) if token not in stop] for text in texts]
        else:
            rows = [[token for token in findall(text) if token not in stop] for text in texts]
        return pad_rows(rows)


class TextTerms:
    """A `TfidfVectorizer(analyzer=...)` for training, fit on `TextProduct`s: the terms `Tokenizer`
    gives serving. Pickles as its spec (a run's model.pkl)."""

    def __init__(self, spec: TokenizerSpec) -> None:
        self.spec = spec
        self._tokenizer = Tokenizer(spec)

    def __call__(self, product: TextProduct) -> list[str]:
        return self._tokenizer.terms(product)

    def __reduce__(self) -> tuple[type[TextTerms], tuple[TokenizerSpec]]:
        return (TextTerms, (self.spec,))


def word_ngrams(tokens: list[str], ngram_range: tuple[int, int]) -> list[str]:
    """scikit-learn's word n-grams of a token list: the n consecutive tokens joined by one space."""
    low, high = ngram_range
    if (low, high) == (1, 1):
        return tokens
    terms = list(tokens) if low == 1 else []
    for n in range(max(low, 2), high + 1):
        terms.extend(" ".join(tokens[i : i + n]) for i in range(len(tokens) - n + 1))
    return terms


def pad_rows(rows: Sequence[list[str]]) -> np.ndarray:
    width = max((len(row) for row in rows), default=0) or 1
    # Padding the lists and converting once is ~3x faster than filling a preallocated array.
    return np.array([row + [""] * (width - len(row)) for row in rows], dtype=object).reshape(len(rows), width)
