"""The one definition of "product → model input" matches what scikit-learn does."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.feature_extraction.text import TfidfVectorizer

from contract.text import (
    EQUIVALENT_TOKEN_PATTERNS,
    SKLEARN_TOKEN_PATTERN,
    Tokenizer,
    TokenizerSpec,
    pad_rows,
    product_text,
)
from training.config import DEFAULT_CONFIG, load_config
from training.pattern.export.generated_text import product_texts
from training.pattern.export.graph import tokenizer_spec
from training.pattern.pipeline import stop_words

STOPS = stop_words(load_config(DEFAULT_CONFIG))
VECTORIZER = TfidfVectorizer(stop_words=STOPS)
ANALYZER = VECTORIZER.build_analyzer()
TOKENIZER = Tokenizer(tokenizer_spec(VECTORIZER))


def test_product_text_is_the_prototypes_recipe() -> None:
    assert product_text("Dress 2 Go", "UK 10;99% cotton") == "Dress  Go;UK ;% cotton"
    # Only ASCII digits are removed: other scripts' digits are word characters to keep.
    assert product_text("٣ 7", "x") == "٣ ;x"


@settings(max_examples=500, deadline=None)
@given(product_texts(["floral", "stripe", "embellished", "print", "the", "dress"]))
def test_tokenizer_equals_sklearn_analyzer_on_any_unicode(text: str) -> None:
    assert TOKENIZER.tokens(text) == ANALYZER(text)


@settings(deadline=None)  # a loaded CI machine must not turn slowness into failure
@given(st.text())
def test_tokenizer_equals_sklearn_analyzer_on_arbitrary_text(text: str) -> None:
    assert TOKENIZER.tokens(text) == ANALYZER(text)


@settings(deadline=None)
@given(st.text())
def test_the_faster_token_regex_finds_what_sklearns_pattern_finds(text: str) -> None:
    # contract/text.py swaps scikit-learn's default pattern for an equivalent one without \b.
    fast = re.compile(EQUIVALENT_TOKEN_PATTERNS[SKLEARN_TOKEN_PATTERN])
    assert fast.findall(text) == re.findall(SKLEARN_TOKEN_PATTERN, text)
    assert fast.findall(text.lower()) == re.findall(SKLEARN_TOKEN_PATTERN, text.lower())


def test_tricky_cases_by_name() -> None:
    for text in [
        "İSTANBUL floral",
        "STRASSE straße",
        "ΟΔΟΣ σ",
        "flo\u200bral",
        "flo\u00a0ral",
        "café_floral",
        "e\u0301te",
        "🌸floral🌸",
        "floral2stripe",
        "ǅemal",
        "a b cd e",
        "x_y __ _",
        "١٢ ab٣",
    ]:
        assert TOKENIZER.tokens(text) == ANALYZER(text), text


def test_token_matrix_pads_with_empty_strings() -> None:
    matrix = pad_rows([["a", "b"], [], ["c"]])
    assert matrix.shape == (3, 2)
    assert matrix.tolist() == [["a", "b"], ["", ""], ["c", ""]]
    assert pad_rows([[]]).shape == (1, 1)


def test_spec_rejects_patterns_scikit_learn_rejects() -> None:
    import pytest

    with pytest.raises(ValueError, match="at most one"):
        Tokenizer(TokenizerSpec(token_pattern=r"(a)(b)", lowercase=True, stop_words=[]))
