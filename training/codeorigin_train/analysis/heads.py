"""`codeorigin-train heads`: which attention heads separate LLM from human code, after the
codebert-heads study (which of CodeBERT's heads matter, tested statistically).

The model's own attention (`torchmodel.py`) on each held-out sample's first window: per layer,
head and sample, the mean entropy of a token's attention and its share to comments, indentation,
identifiers, punctuation, keywords (tree-sitter leaves) and [CLS]; `heads_stats.py` tests and
projects them. Head ablation masks one head at a time and measures the change of AUROC.

    codeorigin-train heads --model models/default --n 400 [--device cuda] [--card]

Writes `heads.json`, `heads_tests.csv` and three plots (`heads_*.png`) into `--out` and MLflow.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import torch

from codeorigin.core.languages import parser
from codeorigin_train.analysis import common, heads_stats
from codeorigin_train.analysis.torchmodel import TorchModel, load, masked_heads
from codeorigin_train.analysis.transforms import walk

TOOL = "heads"
CATEGORIES = ("comment", "indentation", "identifier", "punctuation", "keyword")
STATS = ("entropy", *(f"to_{c}" for c in CATEGORIES), "to_first")
CONSTRUCTS = ("other", "loop", "signature", "comment")
LOOPS = {"for_statement", "while_statement", "do_statement", "for_in_statement",
         "enhanced_for_statement", "for_range_loop"}  # fmt: skip
FUNCTIONS = {"function_definition", "method_declaration", "constructor_declaration"}


def _char_index(text: str) -> np.ndarray:
    """Byte offset -> character offset of `text` (tree-sitter counts bytes)."""
    sizes = [len(ch.encode("utf-8")) for ch in text]
    return np.repeat(np.arange(len(text)), sizes) if sizes else np.zeros(0, dtype=int)


def char_labels(text: str, language: str) -> tuple[np.ndarray, np.ndarray]:
    """Per character: its category (index into CATEGORIES + 1; 0 none) and its construct."""
    cat = np.zeros(len(text) + 1, dtype=np.int8)
    con = np.zeros(len(text) + 1, dtype=np.int8)
    pos = 0
    for line in text.split("\n"):
        indent = len(line) - len(line.lstrip(" "))
        cat[pos : pos + indent] = 2
        pos += len(line) + 1
    root = parser(language).parse(text.encode("utf-8")).root_node
    bi = np.append(_char_index(text), len(text))
    for n in walk(root):
        a, b = int(bi[min(n.start_byte, len(bi) - 1)]), int(bi[min(n.end_byte, len(bi) - 1)])
        if "comment" in n.type:
            cat[a:b], con[a:b] = 1, 3
            continue
        if n.type in LOOPS:
            con[a:b] = np.where(con[a:b] == 0, 1, con[a:b])
        if n.type in FUNCTIONS:
            body = n.child_by_field_name("body")
            end = int(bi[min(body.start_byte, len(bi) - 1)]) if body is not None else b
            con[a:end] = np.where(con[a:end] == 0, 2, con[a:end])
        if not n.children:
            kind = 3 if n.type.endswith("identifier") else (5 if n.type.isalpha() and not n.is_named
                                                             else (4 if not n.is_named else 0))  # fmt: skip
            if kind:
                cat[a:b] = np.where(cat[a:b] == 0, kind, cat[a:b])
    return cat, con


def token_labels(
    text: str, offsets: list[tuple[int, int]], language: str
) -> tuple[np.ndarray, np.ndarray]:
    """Each token's category and construct: those of its first non-blank character (a token of
    blanks at a line start is indentation)."""
    cat, con = char_labels(text, language)
    tc, tk = np.zeros(len(offsets), dtype=np.int8), np.zeros(len(offsets), dtype=np.int8)
    for i, (a, b) in enumerate(offsets):
        span = text[a:b]
        if span.strip():
            j = a + len(span) - len(span.lstrip())
            tc[i] = cat[min(j, len(text))]
        else:
            j = a
            tc[i] = 2 if a == 0 or "\n" in text[max(0, a - 1) : b] else 0
        tk[i] = con[min(j, len(text))]
    return tc, tk


def attention_features(model: TorchModel, rows: pd.DataFrame, tokens: int = 4000,
                       seed: int = 0) -> dict[str, np.ndarray]:  # fmt: skip
    """Per sample statistics [n, layers, heads, STATS] and per token patterns for the PCA."""
    from codeorigin.core.normalize import normalize

    enc = model.encoder
    feats, tok_x, tok_c = [], [], []
    for code, lang in zip(rows["code"], rows["language"]):
        text = normalize(code).text
        e = enc.encode(text)
        n = min(len(e.ids), enc.body_length)
        ids = torch.tensor([enc.with_specials(list(e.ids[:n]))], device=model.device)
        with torch.inference_mode():
            out = model.classifier.encoder(input_ids=ids, attention_mask=torch.ones_like(ids),
                                           output_attentions=True)  # fmt: skip
        att = torch.stack(out.attentions)[:, 0].double().cpu().numpy()  # [layers, heads, L, L]
        tc, tk = token_labels(text, list(e.offsets[:n]), lang)
        cats = np.concatenate([[0], tc, [0]])  # [CLS] and [SEP] have none
        onehot = np.stack([cats == k + 1 for k in range(len(CATEGORIES))], axis=1).astype(float)
        ent = -(att * np.log(att + 1e-12)).sum(-1)  # [layers, heads, L]
        mass = att @ onehot  # [layers, heads, L, C]
        f = np.concatenate(
            [ent.mean(-1)[..., None], mass.mean(-2), att[..., 0].mean(-1)[..., None]], axis=-1
        )
        feats.append(f)
        # Token patterns: each text token's entropy and attention to [CLS] in every head.
        pattern = np.concatenate([ent[:, :, 1:-1], att[:, :, 1:-1, 0]])  # [2*layers, heads, n]
        tok_x.append(pattern.reshape(-1, n).T)
        tok_c.append(tk)
    x, c = np.concatenate(tok_x), np.concatenate(tok_c)
    pick = np.random.default_rng(seed).permutation(len(x))[:tokens]
    return {"features": np.stack(feats), "token_patterns": x[pick], "token_constructs": c[pick]}


def ablation(model: TorchModel, rows: pd.DataFrame) -> dict[str, Any]:
    """AUROC with every head in place, and its change with each head masked alone."""
    texts, y = rows["code"].tolist(), rows["label"].to_numpy()
    base = common.auroc(y, model.logits(texts))
    delta = np.zeros((model.layers, model.heads))
    for layer in range(model.layers):
        for head in range(model.heads):
            with masked_heads(model, [(layer, head)]):
                delta[layer, head] = (common.auroc(y, model.logits(texts)) or 0.0) - (base or 0.0)
    return {"auroc": base, "delta_auroc": delta}


def main(argv: list[str] | None = None) -> int:
    from codeorigin_train.evaluation.evaluate import generator_family

    p = common.parser(TOOL, __doc__)
    p.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    args = p.parse_args(argv)
    torch.set_num_threads(args.threads)
    common.model_or_run(args.model)  # the inputs, and the model, before the output folder
    rows = common.held_out(
        args.dataset, args.n or 10**9, args.seed, languages=("python", "java", "cpp")
    )
    model = load(args.model, parity_texts=rows["code"].head(8).tolist()).to(args.device)
    out = common.out_dir(args, TOOL)
    feats = attention_features(model, rows, seed=args.seed)
    y = rows["label"].to_numpy()
    families = np.array(
        [generator_family(g) if lab else "human" for g, lab in zip(rows["generator"], y)]
    )
    tests = heads_stats.tests(feats["features"], y, families, STATS)
    abl = ablation(model, rows)
    pca = heads_stats.pca(feats, y)
    tests.to_csv(out / "heads_tests.csv", index=False)
    heads_stats.plot_effects(tests, model.layers, model.heads, STATS, out / "heads_effects.png")
    heads_stats.plot_ablation(abl, out / "heads_ablation.png")
    heads_stats.plot_pca(pca, CONSTRUCTS, out / "heads_pca.png")
    summ = {
        "model": str(args.model),
        "dataset": str(args.dataset),
        **heads_stats.summary(tests, abl, pca, model, rows),
    }
    common.write_json(out / "heads.json", summ)
    common.finish(args, TOOL, out, {"auroc": summ["ablation"]["auroc"],
                                    "significant_tests": summ["welch"]["significant"]}, summ)  # fmt: skip
    print(common.json_brief(summ))
    return 0


if __name__ == "__main__":
    from codeorigin_train.data.inputs import module_entry

    raise SystemExit(module_entry("codeorigin_train.analysis.heads", main))
