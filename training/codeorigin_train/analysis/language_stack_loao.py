"""Leave one agent out for the stacks of `codeorigin-train language-stack`
(`codeorigin-train language-stack-loao`):

    codeorigin-train language-stack-loao --pool $W/pool-v5.parquet \\
        --people $W/agentic-context-both.parquet --base $W/routed --languages csharp javascript \\
        --also javascript=typescript,typescriptreact --context $W/agentic-context-both.parquet \\
        --work $W/stack-loao --card models/candidate

A language's stack is fitted on every agent's code of the train repositories, so its figures on
the test repositories are on agents it saw. Per agent (`--agents`, by default every agent with
`within.MIN_AGENT_REPOS` repositories): the stack fitted again by `language-stack` on the pool
and people's code without the agent's repositories (`graft_loao.fold_files`), onto `--base`, and
the agent's repositories scored through the runtime, every split: per language, the agent's
functions caught, their people flagged and the pooled within-repository pair AUROC
(`graft_loao.fold_figures`). A fold whose stack `language-stack` refuses (too few people left,
its validation agents ranked too poorly) judges nothing: its functions count as not caught, with
the reason. `--card DIR` records the figures in DIR (`analysis.language_stack_loao`), whose card
fills those languages' "agent never seen" cells. About a minute a fold on 2 cores.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import logging
import shutil
import time
from pathlib import Path
from typing import Any

from codeorigin_train.analysis.graft_loao import finish, fold_figures, fold_files
from codeorigin_train.data.inputs import model_folder, output_path, read_parquet
from codeorigin_train.evaluation import within
from codeorigin_train.export import language_stack
from codeorigin_train.export.graft_floors import PEOPLE_COLUMNS

log = logging.getLogger(__name__)


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="codeorigin-train language-stack-loao",
                                description=__doc__.split("\n\n")[0])  # fmt: skip
    p.add_argument("--pool", type=Path, required=True, help="the protocol's pool (`--pool-only`)")
    p.add_argument("--people", type=Path, required=True,
                   help="`language-stack --people`: `agentic-context` of both folders")
    p.add_argument("--base", type=Path, required=True, help="`language-stack --base`")
    p.add_argument("--languages", nargs="+", required=True, help="`language-stack --languages`")
    p.add_argument("--also", action="append", default=[], metavar="LANG=OTHER[,OTHER]",
                   help="`language-stack --also`")
    p.add_argument("--context", type=Path, help="`language-stack --context`: each fold holds "
                   "its threshold on this file's functions outside the agent's repositories")  # fmt: skip
    p.add_argument("--agents", nargs="+", help="the agents held out (default: every agent with "
                   f"{within.MIN_AGENT_REPOS}+ repositories)")  # fmt: skip
    p.add_argument("--work", type=Path, required=True, help="a folder per agent: its rows and "
                   "stacked folder")  # fmt: skip
    p.add_argument("--out", type=Path, help="the figures as JSON (default: WORK/stack-loao.json)")
    p.add_argument("--card", type=Path, help="record in this model folder; render its card again")
    return p


def also_of(values: list[str], lang: str) -> list[str]:
    """`language-stack`'s `--also` arguments of `values` that name `lang`."""
    return [x for v in values if v.partition("=")[0] == lang for x in ("--also", v)]


def fit_fold(args: argparse.Namespace, fold: Path) -> tuple[Path | None, dict[str, str]]:
    """The fold's folder: `--base` with a stack per language `language-stack` takes from the
    fold's rows (None if it takes none); the languages it refused, with its reason."""
    refused: dict[str, str] = {}
    base = args.base
    held = [] if args.context is None else ["--context", str(fold / "context.parquet")]
    for lang in args.languages:
        out = fold / f"stacked-{lang}"
        shutil.rmtree(out, ignore_errors=True)
        said = io.StringIO()
        try:
            with contextlib.redirect_stdout(said):
                language_stack.main(["--base", str(base), "--languages", lang, "--rows",
                                     str(fold / "pool.parquet"), "--people",
                                     str(fold / "people.parquet"), "--out", str(out),
                                     *held, *also_of(args.also, lang)])  # fmt: skip
        except SystemExit as exc:
            if not isinstance(exc.code, str):
                raise
            refused[lang] = exc.code.split(": ", 1)[-1]
            continue
        base = out
    return (None if base == args.base else base), refused


def run(args: argparse.Namespace) -> dict[str, Any]:
    pool = read_parquet(args.pool, "--pool", hint="`codeorigin-train protocol --pool-only`")
    people = read_parquet(args.people, "--people", columns=PEOPLE_COLUMNS,
                          hint="`codeorigin-train agentic-context` writes it")  # fmt: skip
    context = None if args.context is None else read_parquet(
        args.context, "--context", columns=PEOPLE_COLUMNS,
        hint="`codeorigin-train agentic-context` writes it")  # fmt: skip
    agents = args.agents or within.loao_agents(pool)
    unknown = sorted(set(agents) - set(pool["agent"].astype(str)))
    if unknown:
        raise SystemExit(f"--agents: {', '.join(unknown)}: no function in {args.pool}")
    out: dict[str, Any] = {"languages": list(args.languages), "base": str(args.base),
                           "agents": {}}  # fmt: skip
    for agent in agents:
        started = time.perf_counter()
        fold = args.work / agent
        repos = fold_files(pool, None, context, agent, fold, people)
        folder, refused = fit_fold(args, fold)
        rows = pool[(pool["source"] == "aidev") & pool["judged"] & pool["repo"].isin(repos)
                    & pool["agent"].isin([agent, "human"])
                    & pool["language"].isin(args.languages)]  # fmt: skip
        rows = rows.assign(half=[within.half_of(c) for c in rows["code"]])
        out["agents"][agent] = {"repos": len(repos),
                                "by_language": fold_figures(folder, rows, None, args.languages,
                                                            refused),
                                "seconds": round(time.perf_counter() - started)}  # fmt: skip
        log.info("language-stack-loao %s: %s", agent, out["agents"][agent])
    return out


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    args = parser().parse_args(argv)
    model_folder(args.base, "--base")
    if args.card is not None:
        model_folder(args.card, "--card")
    out_file = output_path(args.out or args.work / "stack-loao.json")
    finish(run(args), out_file, args.card, "language_stack_loao")
    return 0


if __name__ == "__main__":
    from codeorigin_train.data.inputs import module_entry

    raise SystemExit(module_entry("codeorigin_train.analysis.language_stack_loao", main))
