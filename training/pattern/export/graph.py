"""Convert the fitted pattern pipeline to ONNX with skl2onnx, minus its text front-end.

skl2onnx turns the vectorizer's analyzer into `StringNormalizer` + `Tokenizer` ops. Those
disagree with scikit-learn on non-ASCII text (ASCII-only `[a-zA-Z0-9_]+` tokens, a
locale-dependent lowercase that needs `en_US.UTF-8`) and drop stop words only from the
vocabulary, which is wrong for bigrams. So the graph is cut just before `TfIdfVectorizer`:
its input becomes the token matrix that `contract.text.Tokenizer` (Python's own `lower` and
`re`, configured from the fitted vectorizer) produces. Everything after it (vocabulary,
idf, l2 norm, the linear model and its probabilities) stays skl2onnx's conversion.

The converted label is argmax of the clipped modified-Huber probabilities, which ties when
two classes clip to 1; scikit-learn's `predict` is argmax of the decision function, so the
label is rewired to the scores.
"""

from __future__ import annotations

import copy

import onnx
from onnx.utils import Extractor
from skl2onnx import convert_sklearn
from skl2onnx.common.data_types import StringTensorType
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import Pipeline

from contract.text import TextTerms, TokenizerSpec
from training.pattern.pipeline import CLASSIFIER_STEP, VECTORIZER_STEP

TOKENS_INPUT = "tokens"
TOKENS_SHAPE = ["products", "max_tokens"]
LABEL_OUTPUT = "label"
PROBABILITIES_OUTPUT = "probabilities"
TARGET_OPSET = 18
GRAPH_NAME = "pattern_from_tokens"


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
    )


def convert_pipeline(pipeline: Pipeline) -> tuple[onnx.ModelProto, TokenizerSpec]:
    spec = tokenizer_spec(pipeline[VECTORIZER_STEP])
    full = convert_sklearn(
        _convertible(pipeline, spec),
        initial_types=[("text", StringTensorType([None, 1]))],
        options={id(pipeline[CLASSIFIER_STEP]): {"zipmap": False}},
        target_opset=TARGET_OPSET,
    )
    return _from_tokens(full), spec


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


def _from_tokens(full: onnx.ModelProto) -> onnx.ModelProto:
    vectorizer = _single(full, "TfIdfVectorizer")
    cut = vectorizer.input[0]
    full.graph.value_info.append(onnx.helper.make_tensor_value_info(cut, onnx.TensorProto.STRING, TOKENS_SHAPE))
    model = Extractor(full).extract_model([cut], [LABEL_OUTPUT, PROBABILITIES_OUTPUT])
    model.graph.input[0].name = TOKENS_INPUT
    for node in model.graph.node:
        node.input[:] = [TOKENS_INPUT if name == cut else name for name in node.input]
    _label_from_scores(model)
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


def _single(model: onnx.ModelProto, op_type: str) -> onnx.NodeProto:
    nodes = [n for n in model.graph.node if n.op_type == op_type]
    if len(nodes) != 1:
        raise UnsupportedPipeline(f"expected one {op_type} node in the converted graph, found {len(nodes)}")
    return nodes[0]
