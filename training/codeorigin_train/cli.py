"""`codeorigin-train`: build the dataset, train, calibrate, evaluate, export and write the card.

`codeorigin-train all` builds the stacked model's transformer member end to end: the dataset and
the real-project human code (each when missing), the shipped recipe on every train row, then the
export to `--out` with the card. Steps write under `--work` and read what earlier steps wrote, so
they can also run one by one. The commands of `FORWARDED` run their modules whole. An input error
or a command's `SystemExit("...")` is one line, `codeorigin-train <command>: ...`, exit status 2
(`-v`: the traceback). Each command imports what it needs, so `--help` loads no torch.
"""

from __future__ import annotations

import argparse
import json
import logging
import runpy
import sys
from typing import Any

from codeorigin_train.cli_parser import build_parser
from codeorigin_train.fit.workdir import trained_run

log = logging.getLogger(__name__)

LATENCY_BUDGET_MS = 50.0
FORWARDED = {
    "realcode": "codeorigin_train.data.realcode",
    "heads": "codeorigin_train.analysis.heads",
    "evaluate-samples": "codeorigin_train.analysis.samples",
    "robustness": "codeorigin_train.analysis.robustness",
    "coderep-loso": "codeorigin_train.analysis.coderep_loso",
    "agentic": "codeorigin_train.data.agentic",
    "agentic-merge": "codeorigin_train.data.agentic.merge",
    "agentic-fragments": "codeorigin_train.data.agentic.fragments",
    "agentic-context": "codeorigin_train.data.agentic.context",
    "protocol": "codeorigin_train.analysis.protocol",
    "stack": "codeorigin_train.export.stacked",
    "reference": "codeorigin_train.export.reference",
    "graft": "codeorigin_train.export.graft",
    "graft-loao": "codeorigin_train.analysis.graft_loao",
    "module-floor": "codeorigin_train.export.module_floor",
    "case-floor": "codeorigin_train.export.case_floor",
    "route-languages": "codeorigin_train.export.route_languages",
    "language-stack": "codeorigin_train.export.language_stack",
    "language-stack-loao": "codeorigin_train.analysis.language_stack_loao",
    "stack-scored": "codeorigin_train.export.stack_scored",
    "commit-verdict": "codeorigin_train.export.commit_verdict",
    "scans": "codeorigin_train.analysis.scans",
}


def forward(module: str, argv: list[str]) -> int:
    """Run `python -m <module> <argv>` here; its exit status (messages go to `run_command`)."""
    saved = sys.argv
    sys.argv = [module, *argv]
    try:
        runpy.run_module(module, run_name="__main__", alter_sys=True)
    except SystemExit as exc:
        if exc.code is None or isinstance(exc.code, int):
            return exc.code or 0
        raise
    finally:
        sys.argv = saved
    return 0


def train(args: argparse.Namespace, variant: Any, *, full: bool) -> dict[str, Any]:
    """`runs.run` of `variant` on the dataset's stratified subset (`full`: every train row)."""
    from codeorigin_train.evaluation import runs
    from codeorigin_train.fit.frames import FULL_TRAIN_CAP, SubsetConfig, load_dataset, subset

    caps = SubsetConfig(train_cap=FULL_TRAIN_CAP if full else args.train_cap,
                        eval_cap=args.eval_cap, seed=args.seed)  # fmt: skip
    return runs.run(variant, subset(load_dataset(args.dataset), caps), args.work, subset=caps)


def cmd_dataset(args: argparse.Namespace) -> int:
    """`python -m codeorigin_train.data.build` with every source, into `--dataset`."""
    from codeorigin_train.data.build import build_and_save

    build_and_save(args.data_root, args.dataset)
    return 0


def _ship(args: argparse.Namespace, name: str, *, card: bool) -> dict[str, Any]:
    from codeorigin_train.export.shipping import ship

    trained_run(name, args.work)
    return ship(args.work, name, args.out, ig_texts=args.ig_texts, card=card,
                extra_files=tuple(args.extra_file), dataset=args.dataset)  # fmt: skip


def cmd_export(args: argparse.Namespace) -> int:
    info = _ship(args, args.variant, card=False)
    lat = info["latency_ms_256_tokens_1_thread"]["fp32"]["median_ms"]
    if lat > LATENCY_BUDGET_MS:
        log.warning("scorer latency %.1f ms exceeds the %s ms budget", lat, LATENCY_BUDGET_MS)
    print(json.dumps(info, indent=2, default=float))
    return 0


def cmd_ship(args: argparse.Namespace) -> int:
    _ship(args, args.variant, card=True)
    print(f"shipped {args.variant} to {args.out}")
    return 0


def cmd_card(args: argparse.Namespace) -> int:
    """`metrics.json` and the card of an exported run again."""
    from codeorigin_train.card.metrics import write_metrics_and_card
    from codeorigin_train.export.shipping import refuse_stacked

    refuse_stacked(args.out, "a transformer's metrics.json and card")
    trained_run(args.variant, args.work)
    write_metrics_and_card(args.work, args.variant, args.out, dataset=args.dataset)
    print(f"wrote {args.out / 'metrics.json'} and {args.out / 'MODEL_CARD.md'}")
    return 0


def cmd_scratch(args: argparse.Namespace) -> int:
    """Train a recipe of the scratch BPE variant (`ScratchConfig` from the options)."""
    from codeorigin_train.variants.scratch_bpe import NAME, ScratchBPE, ScratchConfig

    fields = set(ScratchConfig.__dataclass_fields__)
    cfg = ScratchConfig(**{k: v for k, v in vars(args).items() if k in fields and k != "seed"})
    name = args.name or (f"{NAME}-full" if args.full_train else NAME)
    report = train(args, ScratchBPE(name, cfg), full=args.full_train)
    brief = {
        "heldout_auroc": report["heldout"]["overall"]["auroc"],
        "external_fpr": (report.get("external_human") or {}).get("fpr_at_llm_threshold"),
        "realcode_heldout_fpr": (report.get("realcode_heldout") or {}).get("fpr_at_llm_threshold"),
    }
    print(json.dumps(brief, indent=2, default=float))
    return 0


def _realcode(args: argparse.Namespace) -> None:
    """Fetch and build the dated real-project human code when the work folder has none."""
    real = args.work / "realcode.parquet"
    if real.exists() or args.no_realcode:
        return
    archives = args.work / "realcode"
    build = ["build", "--archives", str(archives / "archives"), "--out", str(real)]
    forward(FORWARDED["realcode"], ["fetch", "--out", str(archives)])
    forward(FORWARDED["realcode"], build)


def cmd_all(args: argparse.Namespace) -> int:
    """The shipped transformer member from the shared data folder, as in training/README.md."""
    from codeorigin_train.export.shipping import refuse_stacked
    from codeorigin_train.variants.scratch_bpe import SHIPPED, ScratchBPE, shipped_config

    refuse_stacked(args.out)  # before hours of training, not after them
    if not args.dataset.exists():
        cmd_dataset(args)
    _realcode(args)
    train(args, ScratchBPE(SHIPPED, shipped_config()), full=True)
    _ship(args, SHIPPED, card=True)
    print(f"shipped {SHIPPED} to {args.out}")
    return 0


COMMANDS = {
    "dataset": cmd_dataset, "export": cmd_export, "ship": cmd_ship, "card": cmd_card,
    "scratch": cmd_scratch, "all": cmd_all,
}  # fmt: skip


def _command_at(parser: argparse.ArgumentParser, argv: list[str]) -> int:
    """The index of `argv`'s first argument neither an option nor a value (len(argv): none)."""
    takes_value = {s for a in parser._actions for s in a.option_strings if a.nargs != 0}
    i = 0
    while i < len(argv) and argv[i].startswith("-"):
        i += 2 if argv[i] in takes_value else 1
    return i


def main(argv: list[str] | None = None) -> int:
    from codeorigin_train.data.inputs import run_command

    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser(COMMANDS, list(FORWARDED))
    at = _command_at(parser, argv)
    if at < len(argv) and argv[at] in FORWARDED:  # forwarded whole, options and --help included
        command, rest = argv[at], argv[at + 1 :]  # never parsed here: `--data` is its own option
        before = [a for a in argv[:at] if a not in ("-v", "--verbose")]  # its own options follow
        if before:
            parser.error(f"{' '.join(before)} before `{command}`: its options go after its name "
                         f"(`codeorigin-train {command} --help`); only -v goes before it")  # fmt: skip
        verbose = len(before) < at
        if verbose:
            logging.basicConfig(level=logging.DEBUG, format="%(asctime)s %(name)s: %(message)s")
        return run_command(command, verbose, lambda: forward(FORWARDED[command], rest))
    args = parser.parse_args(argv)
    command = args.command
    if args.dataset is None:
        args.dataset = args.work / "dataset.parquet"
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO,
                        format="%(asctime)s %(name)s: %(message)s")  # fmt: skip
    return run_command(command, args.verbose, lambda: int(COMMANDS[command](args) or 0))


if __name__ == "__main__":
    raise SystemExit(main())
