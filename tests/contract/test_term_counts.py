"""The term counts serving feeds the format 3 graph equal scikit-learn's own counts, whichever way
`TermCounter` counts (the ASCII shortcut or the reference tokenizer)."""

from __future__ import annotations

import string

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.feature_extraction.text import CountVectorizer

from contract.term_counts import TermCounter
from contract.text import SKLEARN_TOKEN_PATTERN, TextProduct, TextTerms, TokenizerSpec, product_text
from training.config import DEFAULT_CONFIG, load_config
from training.pattern.export.generated_text import products
from training.pattern.export.graph import tokenizer_spec
from training.pattern.pipeline import stop_words

STOPS = stop_words(load_config(DEFAULT_CONFIG))
WORDS = ["floral", "stripe", "Embellished", "print", "x_y", "café", "straße", "dress", "a4", "the", "ab", "z"]
CORPUS = [
    "Floral print midi DRESS with x_y trims; café straße ab z",
    "stripe stripe STRIPE shirt dress in the a4 size, printed florals",
    "Embellished neck; ASOS DESIGN floral-print maxi",
]
# What the ASCII shortcut must leave out although the vocabulary lists it: a stop word and a
# one-letter term are never tokens of the reference; a term with a space is never one split() run.
UNREACHABLE = ["the", "z", "floral print"]


def _counter_and_oracle(**vectorizer_args: object) -> tuple[TermCounter, CountVectorizer]:
    fitted = CountVectorizer(stop_words=STOPS, **vectorizer_args).fit(CORPUS)
    terms = sorted(set(fitted.vocabulary_) | set(UNREACHABLE))
    oracle = CountVectorizer(stop_words=STOPS, vocabulary=terms, **vectorizer_args)
    return TermCounter(tokenizer_spec(oracle), terms), oracle


def _name_terms_counter_and_oracle() -> tuple[TermCounter, CountVectorizer]:
    spec = TokenizerSpec(
        token_pattern=SKLEARN_TOKEN_PATTERN, lowercase=True, stop_words=STOPS, name_ngram_range=(1, 2), name_weight=2
    )
    named = [TextProduct(text.partition(";")[0], text.partition(";")[2]) for text in CORPUS]
    named.append(TextProduct("Stripe Print", "stripe"))
    fitted = CountVectorizer(analyzer=TextTerms(spec)).fit(named)
    return TermCounter(spec, list(fitted.get_feature_names_out())), fitted


UNIGRAMS = _counter_and_oracle()
BIGRAMS = _counter_and_oracle(ngram_range=(1, 2))
CASED = _counter_and_oracle(lowercase=False)
NAME_TERMS = _name_terms_counter_and_oracle()

ascii_text = st.lists(
    st.one_of(
        st.sampled_from(WORDS).flatmap(lambda w: st.sampled_from([w, w.upper(), w.title()])),
        st.text(alphabet=string.printable, max_size=8),
    ),
    max_size=40,
).map(" ".join)
ascii_products = st.builds(TextProduct, name=ascii_text, description=ascii_text)


def _expected(oracle: CountVectorizer, batch: list[TextProduct]) -> np.ndarray:
    return oracle.transform([product_text(p.name, p.description) for p in batch]).toarray()


@pytest.mark.parametrize("counter_and_oracle", [UNIGRAMS, BIGRAMS, CASED], ids=["unigrams", "bigrams", "cased"])
@settings(max_examples=300, deadline=None)
@given(batch=st.lists(st.one_of(ascii_products, products(WORDS)), max_size=8))
def test_counts_equal_scikit_learns_on_ascii_and_any_unicode(
    counter_and_oracle: tuple[TermCounter, CountVectorizer], batch: list[TextProduct]
) -> None:
    counter, oracle = counter_and_oracle
    counts = counter.counts(batch)
    assert counts.dtype == np.float32 and counts.shape == (len(batch), counter.width)
    np.testing.assert_array_equal(counts, _expected(oracle, batch))


def test_the_ascii_shortcut_serves_the_default_analyzer_only() -> None:
    # The property above proves the shortcut only if ASCII products take it.
    assert UNIGRAMS[0]._ascii_columns is not None and CASED[0]._ascii_columns is not None
    assert NAME_TERMS[0]._ascii_columns is not None and BIGRAMS[0]._ascii_columns is None
    assert not {t.encode() for t in UNREACHABLE} & set(UNIGRAMS[0]._ascii_columns)


@settings(max_examples=300, deadline=None)
@given(batch=st.lists(st.one_of(ascii_products, products(WORDS)), max_size=8))
def test_terms_built_by_the_contract_are_counted_as_training_counts_them(batch: list[TextProduct]) -> None:
    counter, fitted = NAME_TERMS
    np.testing.assert_array_equal(counter.counts(batch), fitted.transform(batch).toarray())


def test_name_terms_count_name_weight_times() -> None:
    counts = NAME_TERMS[0].counts([TextProduct("Stripe Print", "")])[0]
    assert sorted(counts[counts > 0].tolist()) == [1, 1, 2, 2, 2]  # 2 words, 3 name terms twice


def test_an_empty_batch_and_a_product_without_known_terms() -> None:
    counter = UNIGRAMS[0]
    assert counter.counts([]).shape == (0, counter.width)
    assert not counter.counts([TextProduct("", ""), TextProduct("unknown", "words only")]).any()
