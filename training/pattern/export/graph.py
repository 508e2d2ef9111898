"""Convert the fitted pattern pipeline to ONNX with skl2onnx, minus its text front-end.

skl2onnx turns the vectorizer's analyzer into `StringNormalizer` + `Tokenizer` ops. Those
disagree with scikit-learn on non-ASCII text (ASCII-only `[a-zA-Z0-9_]+` tokens, a
locale-dependent lowercase that needs `en_US.UTF-8`) and drop stop words only from the
vocabulary, which is wrong for bigrams. So the graph is cut just after `TfIdfVectorizer`: its
input is the term counts that `contract.term_counts.TermCounter` (Python's own `lower` and `re`,
configured from the fitted vectorizer) produces, in the columns of the vectorizer's
`vocabulary_`, which the ONNX file carries as a metadata property. Everything after it (idf, l2
norm, the linear model and its probabilities) stays skl2onnx's conversion, with two rewirings:

- The converted label is argmax of the clipped modified-Huber probabilities, which ties when
  two classes clip to 1; scikit-learn's `predict` is argmax of the decision function, so the
  label is rewired to the scores.
- onnxruntime's `Normalizer` (ai.onnx.ml) cost 6.7 µs per product on a batch of 100, two thirds
  of the whole graph (benchmarks/PROFILE.md); the same l2 norm in standard ops costs a sixth of it.
"""

from __future__ import annotations

import copy

import numpy as np
import onnx
from onnx import numpy_helper
from onnx.utils import Extractor
from skl2onnx import convert_sklearn
from skl2onnx.common.data_types import StringTensorType
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import Pipeline

from contract.term_counts import TERM_COUNTS_INPUT, TERM_COUNTS_SHAPE, terms_property
from contract.text import TextTerms, TokenizerSpec
from training.pattern.pipeline import CLASSIFIER_STEP, VECTORIZER_STEP

LABEL_OUTPUT = "label"
PROBABILITIES_OUTPUT = "probabilities"
TARGET_OPSET = 18
GRAPH_NAME = "pattern_from_term_counts"


class UnsupportedPipeline(Exception):
    """The pipeline uses a feature the exported text front-end does not reproduce."""


def tokenizer_spec(vectorizer: TfidfVectorizer) -> TokenizerSpec:
    if isinstance(vectorizer.analyzer, TextTerms):  # contract.text builds the terms: its spec is the contract
        return vectorizer.analyzer.spec
    unsupported = {
        "analyzer": (vectorizer.analyzer, "word"),
        "strip_accents": (vectorizer.strip_accents, None),
        "preprocessor": (vectorizer.preprocessor, None),
        "tokenizer": (vectorizer.tokenizer, None),
    }
    for name, (value, supported) in unsupported.items():
        if value != supported:
            raise UnsupportedPipeline(f"TfidfVectorizer({name}={value!r}) is not exportable; use {supported!r}")
    return TokenizerSpec(
        token_pattern=vectorizer.token_pattern,
        lowercase=bool(vectorizer.lowercase),
        stop_words=sorted(vectorizer.get_stop_words() or []),
        ngram_range=(int(vectorizer.ngram_range[0]), int(vectorizer.ngram_range[1])),
    )


def convert_pipeline(pipeline: Pipeline) -> tuple[onnx.ModelProto, TokenizerSpec]:
    spec = tokenizer_spec(pipeline[VECTORIZER_STEP])
    full = convert_sklearn(
        _convertible(pipeline, spec),
        initial_types=[("text", StringTensorType([None, 1]))],
        options={id(pipeline[CLASSIFIER_STEP]): {"zipmap": False}},
        target_opset=TARGET_OPSET,
    )
    # get_feature_names_out: the vocabulary in column order, what `TfIdfVectorizer`'s output counts
    terms = [str(term) for term in pipeline[VECTORIZER_STEP].get_feature_names_out()]
    return _from_term_counts(full, terms), spec


def _convertible(pipeline: Pipeline, spec: TokenizerSpec) -> Pipeline:
    """skl2onnx cannot convert a callable analyzer. When contract.text builds the terms, the graph's
    `TfIdfVectorizer` must count whole terms: a copy of the fitted vectorizer that claims to be a
    unigram word analyzer converts to exactly that (its vocabulary and idf unchanged), and the
    front-end it would add is cut off anyway."""
    if not spec.builds_terms:
        return pipeline
    stand_in = copy.copy(pipeline[VECTORIZER_STEP])
    stand_in.set_params(analyzer="word", ngram_range=(1, 1), tokenizer=None, preprocessor=None, stop_words=None)
    return Pipeline([(VECTORIZER_STEP, stand_in), (CLASSIFIER_STEP, pipeline[CLASSIFIER_STEP])])


def _from_term_counts(full: onnx.ModelProto, terms: list[str]) -> onnx.ModelProto:
    vectorizer = _single(full, "TfIdfVectorizer")
    cut = vectorizer.output[0]
    full.graph.value_info.append(onnx.helper.make_tensor_value_info(cut, onnx.TensorProto.FLOAT, TERM_COUNTS_SHAPE))
    model = Extractor(full).extract_model([cut], [LABEL_OUTPUT, PROBABILITIES_OUTPUT])
    model.graph.input[0].name = TERM_COUNTS_INPUT
    model.graph.input[0].type.tensor_type.shape.dim[1].dim_value = len(terms)
    for node in model.graph.node:
        node.input[:] = [TERM_COUNTS_INPUT if name == cut else name for name in node.input]
    _label_from_scores(model)
    _l2_norm_in_standard_ops(model)
    onnx.helper.set_model_props(model, terms_property(terms))
    # skl2onnx names the graph with a random UUID and the extractor lists opsets in set order
    # (string hashing is randomised per process); fixing both makes the bytes, hence the
    # sha256 and the model version, depend on the model alone.
    model.graph.name = GRAPH_NAME
    opsets = sorted(model.opset_import, key=lambda o: o.domain)
    del model.opset_import[:]
    model.opset_import.extend(opsets)
    onnx.checker.check_model(model, full_check=True)
    return model


def _label_from_scores(model: onnx.ModelProto) -> None:
    matmul = _single(model, "MatMul")
    scores = [n for n in model.graph.node if n.op_type == "Add" and matmul.output[0] in n.input]
    argmax = _single(model, "ArgMax")
    if len(scores) != 1 or argmax.input[0] != PROBABILITIES_OUTPUT:
        raise UnsupportedPipeline("unexpected classifier graph: cannot find decision scores and label")
    argmax.input[0] = scores[0].output[0]


def _l2_norm_in_standard_ops(model: onnx.ModelProto) -> None:
    """Replace `Normalizer(norm="L2")` by x / max(sqrt(sum(x * x)), smallest normal float). A row of
    zeros (a product without a known term) stays zeros, as with scikit-learn's `normalize`; any other
    row has a norm of at least 1 (counts ≥ 1, idf ≥ 1), so the `Max` changes nothing there.
    `Mul` + `ReduceSum` because onnxruntime's `ReduceL2` and `ReduceSumSquare` take 2.7x as long
    on a 100 × 1,845 matrix (195 µs against 72)."""
    normalizer = _single(model, "Normalizer")
    norm = {a.name: onnx.helper.get_attribute_value(a) for a in normalizer.attribute}.get("norm")
    if norm != b"L2":
        raise UnsupportedPipeline(f"Normalizer(norm={norm!r}): only the l2 norm is exported")
    x, y = normalizer.input[0], normalizer.output[0]
    model.graph.initializer.extend(
        [
            numpy_helper.from_array(np.array([1], dtype=np.int64), "l2_axes"),
            numpy_helper.from_array(np.array(np.finfo(np.float32).tiny, dtype=np.float32), "l2_smallest_norm"),
        ]
    )
    make = onnx.helper.make_node
    replacement = [
        make("Mul", [x, x], ["l2_squares"], name="l2_squares"),
        make("ReduceSum", ["l2_squares", "l2_axes"], ["l2_sum"], keepdims=1, name="l2_sum"),
        make("Sqrt", ["l2_sum"], ["l2_norm"], name="l2_norm"),
        make("Max", ["l2_norm", "l2_smallest_norm"], ["l2_divisor"], name="l2_divisor"),
        make("Div", [x, "l2_divisor"], [y], name="l2_normalized"),
    ]
    nodes = list(model.graph.node)
    at = nodes.index(normalizer)
    del model.graph.node[:]
    model.graph.node.extend(nodes[:at] + replacement + nodes[at + 1 :])


def _single(model: onnx.ModelProto, op_type: str) -> onnx.NodeProto:
    nodes = [n for n in model.graph.node if n.op_type == op_type]
    if len(nodes) != 1:
        raise UnsupportedPipeline(f"expected one {op_type} node in the converted graph, found {len(nodes)}")
    return nodes[0]
