"""Hypothesis strategies for product text that real users type: not ASCII, not tidy."""

from __future__ import annotations

from hypothesis import strategies as st

from contract.text import TextProduct

# Characters where Python's `str.lower`/`re` and other engines disagree or that glue words.
TRICKY = [
    "ß",
    "ẞ",
    "İ",
    "ı",
    "Σ",
    "ς",
    "σ",
    "ΣΑΣ",
    "ﬁ",
    "ﬂ",
    "K",
    "Å",
    "ǅ",
    "ſ",
    "Ⅻ",
    "²",
    "½",
    "٣",
    "७",
    "é",
    "e\u0301",
    "\u0301",
    "\u0308",
    "\u0327",
    "ö",
    "Ø",
    "æ",
    "Ç",
    "Ñ",
    "ğ",
    "ł",
    "Ж",
    "ж",
    "中",
    "花",
    "ق",
    "🌸",
    "👗",
    "🇬🇧",
    "👩\u200d👩\u200d👧",
    "\u00a0",
    "\u200b",
    "\u200c",
    "\u200d",
    "\u2009",
    "\u3000",
    "\ufeff",
    "\t",
    "\n",
    "_",
    "-",
    "'",
    "’",
    ".",
    "/",
    "&",
    "+",
    "0",
    "42",
]
JOINERS = ["", " ", "", "_", "-", "\u00a0", "\u200b", "é", "ß", "'", "0", "İ"]


def product_texts(vocabulary: list[str]) -> st.SearchStrategy[str]:
    """Vocabulary words glued by odd characters, tricky characters, and arbitrary Unicode."""
    word = st.sampled_from(vocabulary).flatmap(lambda w: st.sampled_from([w, w.upper(), w.title(), w[::-1]]))
    fragment = st.one_of(word, st.sampled_from(TRICKY), st.text(max_size=6))
    glued = st.lists(st.tuples(fragment, st.sampled_from(JOINERS)), max_size=30).map(
        lambda parts: "".join(f + j for f, j in parts)
    )
    very_long = st.tuples(word, st.integers(2_000, 20_000)).map(lambda t: (t[0] + " ") * t[1])
    return st.one_of(glued, glued, st.text(max_size=300), st.just(""), very_long)


def products(vocabulary: list[str]) -> st.SearchStrategy[TextProduct]:
    text = product_texts(vocabulary)
    return st.builds(TextProduct, name=text, description=text)


def product_batches(vocabulary: list[str], max_size: int = 16) -> st.SearchStrategy[list[TextProduct]]:
    return st.lists(products(vocabulary), min_size=1, max_size=max_size)
