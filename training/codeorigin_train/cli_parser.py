"""The argument parser of `codeorigin-train` (the commands themselves are in `cli.py`)."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
from typing import Any

from codeorigin_train.data.argtypes import ig_texts, whole_number
from codeorigin_train.fit.workdir import DATA_ROOT, WORK

DESCRIPTION = (
    "Build the dataset, train, calibrate, evaluate and export codeorigin's models and write their "
    "cards (training/README.md). Every option defaults to the current recipe."
)
EPILOG = (
    "Global options go before the command. The commands from `realcode` on are forwarded whole to "
    "their modules: their options, --help included, go after the command's name, and only -v may "
    "come before it."
)
SHIPPED = "scratch-bpe-full-real"  # the transformer member's run (variants.scratch_bpe.SHIPPED)
HELP = {
    "dataset": "build WORK/dataset.parquet from the native sources (all of them: see "
    "`python -m codeorigin_train.data.build --help` for the shipped transformer's ten)",
    "export": "export a run to a model folder (fp32 scorer + gradient graph)",
    "ship": "export a run and write metrics.json and MODEL_CARD.md",
    "card": "write a transformer's metrics.json and MODEL_CARD.md into its model folder",
    "scratch": "train a recipe of the byte-level BPE + small encoder variant",
    "all": "the stacked model's transformer member end to end, with the defaults that produced it",
    "realcode": "dated real-project human code (python -m codeorigin_train.data.realcode)",
    "heads": "attention heads that separate LLM from human code (analysis/heads.py)",
    "evaluate-samples": "judge HumanEval-format samples against human solutions (analysis/samples.py)",
    "robustness": "what reformatting, renaming, stripping and edits do to the score (analysis/robustness.py)",
    "coderep-loso": "the code-representation arm against its base on LOSO (analysis/coderep_loso.py)",
    "agentic": "the agentic corpus: agents' PR functions and dated human code (data/agentic)",
    "agentic-merge": "the agentic rows into a dataset, capped per repository (data/agentic/merge.py)",
    "agentic-fragments": "the lines agents' PRs and human commits added, as training text",
    "agentic-context": "the functions agents' PRs left untouched: contemporary code (data/agentic/context.py)",
    "protocol": "the evaluation protocol: leave-one-agent-out, by repository, LOSO, era control",
    "stack": "the stacked model: linear member, stacker, thresholds, folder (export.stacked)",
    "reference": "a model folder's margin above a repository's own median, bounded on held-out "
    "repositories (export.reference)",
    "graft": "a donor folder's judgement of some languages grafted onto a base folder as a stack "
    "(export.graft)",
    "graft-loao": "leave one agent out for a grafted stack: its donor retrained without each agent "
    "(analysis.graft_loao)",
    "module-floor": "a threshold of its own for each language's module code, bounded on people's "
    "(export.module_floor)",
    "case-floor": "a threshold of its own for JavaScript's and TypeScript's test cases, bounded on "
    "people's (export.case_floor)",
    "route-languages": "a folder's route for project code read for more languages it judges, "
    "bounded on people's project code (export.route_languages)",
    "language-stack": "languages a folder does not judge, each judged by a stack of its own "
    "bounded on people it never trained on (export.language_stack)",
    "language-stack-loao": "leave one agent out for the stacks of `language-stack` "
    "(analysis.language_stack_loao)",
    "stack-scored": "a grafted stack scores languages its donor read but did not judge, for a "
    "repository's own calibration to judge (export.stack_scored)",
    "commit-verdict": "a folder's change calibration and the threshold at which a commit's "
    "functions are flagged together (export.commit_verdict)",
    "scans": "`codeorigin scan` reports of code never trained on, recorded in a model folder's card "
    "(analysis.scans)",
}


def _variant_name(name: str) -> str:
    """A registered variant or a recipe of one (`scratch-bpe-full-real`); argparse's error otherwise."""
    from codeorigin_train.variants.registry import module_of

    try:
        module_of(name)
    except KeyError as exc:
        raise argparse.ArgumentTypeError(str(exc).strip("'\"")) from None
    return name


def _run(sp: argparse.ArgumentParser) -> None:
    sp.add_argument("--variant", type=_variant_name, default=SHIPPED,
                    help="run name (under WORK/runs): a registered variant or a recipe of one "
                    "(default: %(default)s)")  # fmt: skip


def _out(sp: argparse.ArgumentParser) -> None:
    sp.add_argument("--out", type=Path, default=Path("models/default"),
                    help="the model folder (default: %(default)s); one that holds a stacked model, "
                    "as the shipped one does, is refused: give another")  # fmt: skip
    sp.add_argument("--extra-file", action="append", default=[],
                    help="a file already in the model folder to list in the manifest (repeatable)")  # fmt: skip


def _scratch(sp: argparse.ArgumentParser) -> None:
    """The recipe options; their defaults are read when it runs (`--help` loads no torch)."""
    add = sp.add_argument
    recipe: dict[str, Any] = {"default": argparse.SUPPRESS}  # absent: the ScratchConfig default
    add("--epochs", type=int, **recipe)
    add("--full-train", action="store_true",
        help="train on every train row (validation and test rows stay those of the stratified subset)")  # fmt: skip
    add("--realcode", dest="realcode_train", type=int, metavar="N", **recipe,
        help="add N real-project human functions (train projects) to training (default 0)")  # fmt: skip
    add("--realcode-val", type=int, metavar="N", **recipe,
        help="add N real-project human functions (validation projects) to calibration; 0: none")  # fmt: skip
    add("--name", default=None, help="run folder name under runs/")
    add("--vocab-size", type=int, **recipe)
    add("--eval-windows", action=argparse.BooleanOptionalAction, **recipe)
    add("--dropout", type=float, **recipe)
    add("--threshold-confidence", type=lambda v: None if v.lower() == "none" else float(v),
        metavar="P|none", **recipe,
        help="the 1%%-FPR threshold holds on unseen humans with this probability; none: exactly 1%% "
        "of validation humans (the shipped model)")  # fmt: skip
    sp.epilog = (
        "A recipe option left out takes the default of ScratchConfig (variants/scratch_bpe.py)."
    )


def _global(p: argparse.ArgumentParser, default: Any) -> None:
    """Options accepted before and after the command (after it, they override)."""
    p.add_argument("--work", type=Path, default=WORK if default is None else default,
                   help="folder for caches, runs and MLflow (default training/work)")  # fmt: skip
    p.add_argument("--dataset", type=Path, default=default, help="default: WORK/dataset.parquet")


def build_parser(
    commands: dict[str, Callable[[argparse.Namespace], int]], forwarded: list[str]
) -> argparse.ArgumentParser:
    """Global options, then a sub-parser per command; `forwarded` ones only listed for --help."""
    p = argparse.ArgumentParser(prog="codeorigin-train", description=DESCRIPTION, epilog=EPILOG)
    _global(p, None)
    p.add_argument("--data-root", type=Path, default=DATA_ROOT,
                   help="the shared data folder that `dataset` and `all` read (default: "
                   "%(default)s, from the current folder: the checkout's root, beside which the "
                   "shared folder lies; the `agentic*` commands take their own --data-root "
                   "after their name, with the same default)")  # fmt: skip
    p.add_argument("--train-cap", type=whole_number(), default=700,
                   help="train rows per (source, label) of the stratified subset")  # fmt: skip
    p.add_argument("--eval-cap", type=whole_number(), default=200,
                   help="val/test rows per (source, label) of the stratified subset")  # fmt: skip
    p.add_argument("--seed", type=int, default=13)
    p.add_argument("-v", "--verbose", action="store_true",
                   help="debug logging, and a traceback instead of the one-line input error")  # fmt: skip
    sub = p.add_subparsers(dest="command", required=True)
    extra: dict[str, list[Callable[..., None]]] = {
        "export": [_run, _out, ig_texts],
        "ship": [_run, _out, ig_texts],
        "card": [_run, _out],
        "scratch": [_scratch],
        "all": [_out, ig_texts],
    }  # fmt: skip
    for name in commands:
        sp = sub.add_parser(name, help=HELP[name])
        _global(sp, argparse.SUPPRESS)
        for add in extra.get(name, []):
            add(sp)
        if name == "all":
            sp.add_argument("--no-realcode", action="store_true",
                            help="do not fetch real-project human code when the work folder has none")  # fmt: skip
    for name in forwarded:
        sub.add_parser(name, help=HELP[name], add_help=False)
    return p
