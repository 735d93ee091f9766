"""A torch copy of a model for the analyses that look inside it (attention weights, heads masked).

A model folder holds only ONNX graphs: the encoder is rebuilt from the fp32 graph's initializers,
read by the graph's structure (`_onnx_state`), with the head count from the manifest's recipe or
the graph's attention reshapes (`_graph_heads`). Loading fails unless the copy reproduces
onnxruntime's logits within `PARITY_TOL`: the analyses never run on another model than the
shipped one. A training run folder loads through its variant. Scoring is the runtime's:
normalised text, half-overlapping windows, token-weighted mean of window logits.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from codeorigin.core.normalize import normalize
from codeorigin.model.encoding import TokenEncoder
from codeorigin_train.fit.modeling import CodeOriginClassifier

PARITY_TOL = 1e-3
PARITY_TEXTS = (
    'def add(a, b):\n    """Return the sum."""\n    return a + b\n',
    'int main() {\n    for (int i = 0; i < 3; i++) {\n        printf("%d", i);\n    }\n    return 0;\n}\n',
    "public int size() {\n    // the count\n    return this.items.size();\n}\n",
)


class ParityError(RuntimeError):
    """The torch copy does not reproduce the ONNX graph's logits."""


@dataclass
class TorchModel:
    """A classifier in torch with its tokenizer (its logits: the runtime's, uncalibrated)."""

    classifier: CodeOriginClassifier
    encoder: TokenEncoder
    parity: float | None = None  # max |logit difference| against onnxruntime (model folders)
    device: str = "cpu"

    def to(self, device: str) -> TorchModel:
        """The model on `device` (`cuda` for the full test split on a GPU)."""
        self.classifier.to(device)
        self.device = device
        return self

    @property
    def layers(self) -> int:
        return int(self.classifier.encoder.config.num_hidden_layers)

    @property
    def heads(self) -> int:
        return int(self.classifier.encoder.config.num_attention_heads)

    def window_logits(self, windows: list[list[int]], batch: int = 32) -> np.ndarray:
        """Raw logits of windows (with [CLS]/[SEP]), batched by length."""
        order = sorted(range(len(windows)), key=lambda k: len(windows[k]))
        out = np.zeros(len(windows))
        with torch.inference_mode():
            for s in range(0, len(order), batch):
                part = order[s : s + batch]
                ids, mask = self.encoder.pad_batch([windows[k] for k in part])
                lg = self.classifier(
                    torch.from_numpy(ids).to(self.device), torch.from_numpy(mask).to(self.device)
                )
                out[part] = lg.double().cpu().numpy().reshape(-1)
        return out

    def logits(self, texts: Sequence[str]) -> np.ndarray:
        """One logit per raw text, scored as the runtime scores it."""
        owners, windows, weights = [], [], []
        for i, e in enumerate(self.encoder.encode_batch([normalize(t).text for t in texts])):
            for w in self.encoder.windows(len(e.ids)):
                owners.append(i)
                windows.append(self.encoder.with_specials(list(e.ids[w.start : w.end])))
                weights.append(max(1, w.end - w.start))
        lg = self.window_logits(windows)
        wt = np.asarray(weights, dtype=np.float64)
        sums = np.bincount(owners, weights=lg * wt, minlength=len(texts))
        return sums / np.maximum(np.bincount(owners, weights=wt, minlength=len(texts)), 1.0)


def _eager(clf: CodeOriginClassifier) -> CodeOriginClassifier:
    """The encoder computing attention in plain torch, so attention weights can be returned."""
    clf.encoder.config._attn_implementation = "eager"
    return clf.eval()


LINEARS = ("attention.self.query", "attention.self.key", "attention.self.value",
           "attention.output.dense", "intermediate.dense", "output.dense")  # fmt: skip


def _onnx_state(path: Path) -> dict[str, np.ndarray]:
    """The classifier's parameters from an exported graph: embeddings and head by name; each
    encoder layer's six MatMul + Add pairs (`LINEARS`) and two LayerNormalizations by trace order
    (the exporter leaves them anonymous and shares equal tensors through Identity nodes)."""
    import onnx
    from onnx import numpy_helper

    graph = onnx.load(str(path)).graph
    init = {i.name: numpy_helper.to_array(i) for i in graph.initializer}
    alias = {
        n.output[0]: n.input[0]
        for n in graph.node
        if n.op_type == "Identity" and n.input[0] in init
    }

    def value(name: str) -> np.ndarray | None:
        return init.get(alias.get(name, name))

    consumers: dict[str, list[Any]] = {}
    for node in graph.node:
        for name in node.input:
            consumers.setdefault(name, []).append(node)
    linears, norms = [], []
    for node in graph.node:
        if node.op_type == "MatMul" and value(node.input[1]) is not None:
            add = [c for c in consumers.get(node.output[0], []) if c.op_type == "Add"]
            bias = [value(i) for i in (add[0].input if add else []) if i != node.output[0]]
            if not bias or bias[0] is None:
                raise ParityError(f"{path}: a MatMul without a bias: not a BERT classifier's graph")
            linears.append((value(node.input[1]).T, bias[0]))  # type: ignore[union-attr]
        elif node.op_type == "LayerNormalization":
            norms.append((value(node.input[1]), value(node.input[2])))
    layers = len(linears) // len(LINEARS)
    if len(linears) % len(LINEARS) or len(norms) != 1 + 2 * layers or not layers:
        raise ParityError(f"{path}: {len(linears)} linear layers and {len(norms)} layer norms do not "
                          "make a BERT encoder")  # fmt: skip
    state = {k.removeprefix("model."): v for k, v in init.items()
             if k.startswith(("model.head.", "model.encoder.embeddings.")) and "LayerNorm" not in k}  # fmt: skip
    # `norms`: the embeddings' LayerNorm, then each layer's two; `linears`: each layer's six.
    names = ["encoder.embeddings.LayerNorm"]
    for layer in range(layers):
        pre = f"encoder.encoder.layer.{layer}."
        names += [pre + "attention.output.LayerNorm", pre + "output.LayerNorm"]
    names += [f"encoder.encoder.layer.{layer}.{n}" for layer in range(layers) for n in LINEARS]
    for name, (w, b) in zip(names, [*norms, *linears]):
        state[f"{name}.weight"], state[f"{name}.bias"] = w, b  # type: ignore[assignment]
    return state


def _graph_heads(path: Path, hidden: int) -> int | None:
    """The head count the graph's attention reshapes imply (`[batch, length, -1, head_size]`)."""
    import onnx
    from onnx import numpy_helper

    graph = onnx.load(str(path), load_external_data=False).graph
    made = {o: n for n in graph.node for o in n.output}
    for node in graph.node:
        shape = made.get(node.input[1]) if node.op_type == "Reshape" else None
        if shape is None or shape.op_type != "Concat" or len(shape.input) != 4:
            continue
        last = made.get(shape.input[3])
        if last is not None and last.op_type == "Constant":
            size = int(numpy_helper.to_array(last.attribute[0].t).reshape(-1)[0])
            if size > 0 and hidden % size == 0:
                return hidden // size
    return None


def _bert_from_state(state: dict[str, np.ndarray], heads: int) -> CodeOriginClassifier:
    """A BERT classifier of `state`'s shape (BERT's layer-norm epsilon: the exported recipe's)."""
    from transformers import BertConfig, BertModel

    prefix = "encoder.encoder.layer."
    layers = 1 + max(int(k[len(prefix) :].split(".")[0]) for k in state if k.startswith(prefix))
    vocab, hidden = state["encoder.embeddings.word_embeddings.weight"].shape
    config = BertConfig(
        vocab_size=int(vocab), hidden_size=int(hidden), num_hidden_layers=layers,
        num_attention_heads=heads,
        intermediate_size=int(state[f"{prefix}0.intermediate.dense.bias"].shape[0]),
        max_position_embeddings=int(state["encoder.embeddings.position_embeddings.weight"].shape[0]),
        type_vocab_size=int(state["encoder.embeddings.token_type_embeddings.weight"].shape[0]),
        pad_token_id=0, hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0,
    )  # fmt: skip
    clf = CodeOriginClassifier(BertModel(config, add_pooling_layer=False), freeze=False)
    tensors = {k: torch.from_numpy(np.array(v, copy=True)) for k, v in state.items()}
    missing, unexpected = clf.load_state_dict(tensors, strict=False)
    missing = [k for k in missing if not k.endswith("position_ids")]
    if missing or unexpected:
        raise ParityError(f"the graph's weights do not fit a BERT classifier: missing {missing}, "
                          f"unexpected {unexpected}")  # fmt: skip
    return _eager(clf)


def from_model_folder(folder: Path, parity_texts: Sequence[str] = ()) -> TorchModel:
    """The torch copy of a model folder's fp32 graph, parity-checked against onnxruntime."""
    import onnxruntime as ort

    from codeorigin.model.manifest import load_manifest

    man = load_manifest(folder)
    raw = man.raw
    graph = man.path(raw.get("onnx", {}).get("fp32") or man.scorer)
    encoder = TokenEncoder(
        man.path(man.tokenizer), max_length=man.max_length, layout=man.layout_markers
    )
    state = _onnx_state(graph)
    hidden = int(state["encoder.embeddings.word_embeddings.weight"].shape[1])
    recipe = (raw.get("training") or {}).get("config") or {}
    heads = recipe.get("heads") or _graph_heads(graph, hidden)
    if not heads:
        raise ParityError(f"{graph}: the head count is neither in the manifest's recipe nor in "
                          "the graph's attention reshapes")  # fmt: skip
    clf = _bert_from_state(state, int(heads))
    # Parity: max |logit difference| against onnxruntime on the first window of the parity texts.
    texts = [normalize(t).text for t in (*PARITY_TEXTS, *parity_texts)]
    body = encoder.body_length
    seqs = [encoder.with_specials(list(e.ids[:body])) for e in encoder.encode_batch(texts)]
    ids, mask = encoder.pad_batch(seqs)
    session = ort.InferenceSession(str(graph), providers=["CPUExecutionProvider"])
    want = np.asarray(session.run(None, {"input_ids": ids, "attention_mask": mask})[0]).reshape(-1)
    with torch.inference_mode():
        got = clf(torch.from_numpy(ids), torch.from_numpy(mask)).numpy().reshape(-1)
    diff = float(np.max(np.abs(want - got)))
    if diff > PARITY_TOL:
        raise ParityError(
            f"no torch rebuild of {graph} ({heads} heads) reproduces onnxruntime's logits within "
            f"{PARITY_TOL} (off by {diff:.2e}): the analyses need the model itself, not an "
            "approximation"
        )
    return TorchModel(clf, encoder, diff)


def from_run(run: Path) -> TorchModel:
    """The model a training run saved (`runs/<name>/`), loaded through its variant."""
    from codeorigin_train.variants import registry

    v = registry.get(run.name)
    v.load(run)
    spec = v.export_spec()
    encoder = TokenEncoder(
        spec.tokenizer_file, max_length=spec.max_length, layout=spec.layout_markers
    )
    return TorchModel(_eager(spec.classifier), encoder)


def load(path: Path, parity_texts: Sequence[str] = ()) -> TorchModel:
    """A model folder (`manifest.json`) or a training run folder, as `common.model_or_run` checks."""
    if (path / "manifest.json").exists():
        return from_model_folder(path, parity_texts)
    return from_run(path)


@contextmanager
def masked_heads(model: TorchModel, heads: Sequence[tuple[int, int]]) -> Iterator[None]:
    """Heads (layer, head) switched off: their slice of the attention output is zeroed before the
    output projection, exactly what a head mask of 0 does to the attention probabilities."""
    size = int(model.classifier.encoder.config.hidden_size) // model.heads
    hooks = []
    for layer, head in heads:
        dense = model.classifier.encoder_layers()[layer].attention.output.dense

        def pre(_mod: Any, args: tuple[torch.Tensor, ...], h: int = head) -> tuple[torch.Tensor]:
            x = args[0].clone()
            x[..., h * size : (h + 1) * size] = 0.0
            return (x,)

        hooks.append(dense.register_forward_pre_hook(pre))
    try:
        yield
    finally:
        for hk in hooks:
            hk.remove()
