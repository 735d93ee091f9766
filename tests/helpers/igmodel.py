"""Tiny model folders with an Integrated Gradients graph, for the explanation tests.

`build_planted_model` trains a tiny classifier (hidden 16) to push its logit up when the planted
word `zebra` is in a function, exports it through the real export code and adds its gradient graph:
explanations of such a model must put the planted line first. The unit tests of the attributor train the
same model with `train_planted`; it is small enough to train in seconds.
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

PLANTED = "zebra"
MAX_LENGTH = 64
LINES = [
    "total = total + x",
    "if x > limit:",
    "return result",
    "for item in items:",
    "count += 1",
    "values.append(item * 2)",
    "print(name, value)",
    "data = load(path)",
    "while i < n:",
    "i = i + 1",
    "result = compute(a, b)",
    "return None",
]


def planted_function(rng: random.Random, planted: bool) -> str:
    """A small Python function; with `planted`, one of its lines assigns to the planted word."""
    body = [f"    {rng.choice(LINES)}" for _ in range(rng.randint(3, 6))]
    if planted:
        body.insert(
            rng.randrange(len(body) + 1), f"    {PLANTED} = {rng.choice(['x', 'n', 'data'])}"
        )
    return "def f(x):\n" + "\n".join(body) + "\n"


def train_planted(encoder: Any) -> Any:
    """A tiny classifier (eval mode) whose logit goes up when the planted word is in the text."""
    import torch

    from helpers.tinymodel import tiny_classifier

    rng = random.Random(0)
    model = tiny_classifier(1)
    model.set_trainable(freeze=False)
    model.train()
    opt = torch.optim.Adam([p for p in model.parameters() if p.requires_grad], lr=3e-3)
    loss_fn = torch.nn.BCEWithLogitsLoss()
    for _ in range(100):
        labels = [rng.random() < 0.5 for _ in range(16)]
        encs = encoder.encode_batch([planted_function(rng, y) for y in labels])
        ids, mask = encoder.pad_batch(
            [encoder.with_specials(e.ids[: encoder.body_length]) for e in encs]
        )
        logits = model(torch.from_numpy(ids), torch.from_numpy(mask))
        loss = loss_fn(logits, torch.tensor(labels, dtype=torch.float32))
        opt.zero_grad()
        loss.backward()
        opt.step()
    return model.eval()


def planted_encoder() -> Any:
    """The tokenizer setting the planted models are trained with."""
    from codeorigin.model.encoding import TokenEncoder
    from helpers.tinymodel import wordpiece_tokenizer

    return TokenEncoder(wordpiece_tokenizer(), max_length=MAX_LENGTH, layout=True)


def build_planted_model(
    folder: Path,
    *,
    steps: int = 16,
    rule: str = "riemann_trapezoid",
    threshold: float = 0.5,
    uncertain: float = 0.4,
) -> Path:
    """Train, export and add the gradient graph; return the folder."""
    import torch

    from codeorigin_train.export.gradient import add_gradient_graph
    from helpers.tinymodel import build_tiny_model

    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # a tiny model gains nothing from threads on a busy machine
    try:
        model = train_planted(planted_encoder())
        build_tiny_model(
            folder, model=model, max_length=MAX_LENGTH, threshold=threshold, uncertain=uncertain
        )
        add_gradient_graph(model, folder, steps=steps, rule=rule, baseline="zero")
    finally:
        torch.set_num_threads(threads)
    return folder


if __name__ == "__main__":  # build one by hand: cd tests && python -m helpers.igmodel FOLDER
    import sys
    import time

    t0 = time.perf_counter()
    out = build_planted_model(Path(sys.argv[1]))
    print(f"built {out} in {time.perf_counter() - t0:.1f} s")
