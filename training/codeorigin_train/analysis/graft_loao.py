"""Leave one agent out for a grafted stack (`codeorigin-train graft-loao`):

    codeorigin-train graft-loao --pool $W/pool-v5.parquet --fragments $W/fragments-both.parquet \\
        --context $W/agentic-context.parquet --base $W/base --languages typescript go \\
        --name agentic --work $W/graft-loao --card models/default -- \\
        --transformer $W/transformer --train-cap 1500 --name codeorigin-stacked ...

A grafted folder's languages are judged by a donor trained on every agent, so its figures on an
agent's repositories are not those of an agent it never saw. Per agent (`--agents`, by default
every agent with `within.MIN_AGENT_REPOS` repositories): the donor's recipe (`stack` with the
options after `--`) retrained on the pool without the agent's repositories and code (the
protocol's `loao_rows`, the fragments likewise), grafted onto the base as `graft` would (the same
languages, the context without the agent's repositories), and the agent's repositories scored
through the runtime: per grafted language (and `--routes`' languages, whose route for project
code is grafted, `graft --routes --people`), the agent's functions caught, their people flagged,
the within-repository pair AUROC, and the code beside the agent's changes flagged. A language
the fold's donor abstains on is judged by none of it: the agent's functions there count as not
caught, with the donor's reason. A fold whose donor is already in `--work` is not trained again
(remove it after changing the recipe). `--card DIR` records the figures in DIR
(`analysis.graft_loao`), whose card fills the grafted languages' "agent never seen" cells.
"""

from __future__ import annotations

import argparse
import json
import logging
import shutil
import sys
import time
from pathlib import Path
from typing import Any

import pandas as pd

from codeorigin_train.data.inputs import model_folder, output_path, read_parquet
from codeorigin_train.evaluation import within
from codeorigin_train.evaluation.protocol import FolderLearner, judge, loao_rows

log = logging.getLogger(__name__)


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="codeorigin-train graft-loao",
                                description=__doc__.split("\n\n")[0])  # fmt: skip
    p.add_argument("--pool", type=Path, required=True, help="the protocol's pool (`--pool-only`)")
    p.add_argument("--fragments", type=Path, help="`stack --fragments`: `agentic-fragments`")
    p.add_argument("--context", type=Path, help="`graft --context`: `agentic-context`")
    p.add_argument("--base", type=Path, required=True, help="`graft --base`")
    p.add_argument("--languages", nargs="+", required=True, help="`graft --languages`")
    p.add_argument("--routes", nargs="+", default=[], help="`graft --routes`")
    p.add_argument("--people", type=Path, help="`graft --people`: `agentic-context` of both "
                   "folders (each fold's without the agent's repositories)")  # fmt: skip
    p.add_argument("--name", default="agentic", help="`graft --name`")
    p.add_argument("--agents", nargs="+", help="the agents held out (default: every agent with "
                   f"{within.MIN_AGENT_REPOS}+ repositories)")  # fmt: skip
    p.add_argument("--logits", type=Path, help="a `stack` work folder's transformer-logits.parquet"
                   " each fold starts from (the transformer is not retrained)")  # fmt: skip
    p.add_argument("--work", type=Path, required=True, help="a folder per agent: its pool, donor "
                   "and grafted folder")  # fmt: skip
    p.add_argument("--out", type=Path, help="the figures as JSON (default: WORK/graft-loao.json)")
    p.add_argument("--card", type=Path, help="record in this model folder; render its card again")
    return p


def fold_files(pool: pd.DataFrame, fragments: pd.DataFrame | None, context: pd.DataFrame | None,
               agent: str, fold: Path, people: pd.DataFrame | None = None) -> set[str]:  # fmt: skip
    """Write the rows a fold may train on (`loao_rows`): the pool, fragments, context and people
    without `agent`'s repositories and code; return those repositories."""
    repos = set(pool.loc[pool["agent"] == agent, "repo"])
    fold.mkdir(parents=True, exist_ok=True)
    loao_rows(pool, agent)[0].to_parquet(fold / "pool.parquet")
    if fragments is not None:
        keep = ~fragments["repo"].isin(repos) & (fragments["agent"] != agent)
        fragments[keep].to_parquet(fold / "fragments.parquet")
    if context is not None:
        context[~context["repo"].isin(repos)].to_parquet(fold / "context.parquet")
    if people is not None:
        people[~people["repo"].isin(repos)].to_parquet(fold / "people.parquet")
    return repos


def train_fold(
    args: argparse.Namespace, stack_options: list[str], fold: Path
) -> tuple[Path | None, dict[str, str]]:
    """The fold's donor (`stack`, unless there) and the base with the languages grafted that the
    donor judges (None if it judges none of them); the others, with the donor's reason."""
    from codeorigin.model.manifest import load_manifest
    from codeorigin_train.export import graft, stacked

    donor = fold / "donor"
    if not (donor / "manifest.json").is_file():
        if args.logits is not None:
            (fold / "work").mkdir(parents=True, exist_ok=True)
            shutil.copyfile(args.logits, fold / "work" / "transformer-logits.parquet")
        argv = [*stack_options, "--dataset", str(fold / "pool.parquet"), "--work",
                str(fold / "work"), "--out", str(donor), "--force"]  # fmt: skip
        if args.fragments is not None:
            argv += ["--fragments", str(fold / "fragments.parquet")]
        if stacked.main(argv) != 0:
            raise SystemExit(f"graft-loao: `stack` failed for {fold.name}")
    manifest = load_manifest(donor)
    judged = set(manifest.thresholds.languages) - set(manifest.abstain)
    abstained = {x: manifest.abstain.get(x, "not trained on") for x in args.languages
                 if x not in judged}  # fmt: skip
    grafted = fold / "grafted"
    shutil.rmtree(grafted, ignore_errors=True)
    if len(abstained) == len(args.languages) and not args.routes:
        return None, abstained
    argv = ["--base", str(args.base), "--donor", str(donor), "--name", args.name, "--out",
            str(grafted), "--rows", str(args.pool)]  # fmt: skip
    if len(abstained) < len(args.languages):
        argv += ["--languages", *[x for x in args.languages if x in judged]]
    if args.routes:
        argv += ["--routes", *args.routes]
    if args.context is not None:
        argv += ["--context", str(fold / "context.parquet")]
    if args.people is not None:
        argv += ["--people", str(fold / "people.parquet")]
    if graft.main(argv) != 0:
        raise SystemExit(f"graft-loao: `graft` failed for {fold.name}")
    return grafted, abstained


def _flagged(g: pd.DataFrame) -> int:
    return int((g["p"] >= g["thr"]).sum())


def fold_figures(folder: Path | None, rows: pd.DataFrame, context: pd.DataFrame | None,
                 languages: list[str], abstained: dict[str, str]) -> dict[str, Any]:  # fmt: skip
    """Per language of `languages` (not its aliases, e.g. TSX, which keep their own verdict): the
    agent's functions caught, their people flagged and the pooled within-repository pair AUROC; the
    code beside the changes flagged. A language the fold's donor abstains on judges nothing:
    none of its functions is caught (`abstained`: why)."""
    out: dict[str, Any] = {}
    for lang in abstained:
        g = rows[rows["language"] == lang]
        out[lang] = {"agent": int((g["label"] == 1).sum()), "caught": 0,
                     "human": int((g["label"] == 0).sum()), "flagged": 0, "pair_auroc": None,
                     "repos": int(g["repo"].nunique()), "abstained": abstained[lang]}  # fmt: skip
    if folder is None:
        return out
    fitted = FolderLearner(folder).fit(rows.iloc[:0], rows.iloc[:0])
    scored = judge(fitted, rows)
    ctx = judge(fitted, context) if context is not None and len(context) else None
    for lang in [x for x in languages if x not in abstained]:
        g = scored[(scored["language"] == lang) & scored["p"].notna()]
        agent, people = g[g["label"] == 1], g[g["label"] == 0]
        pooled = within.pooled(g) if len(agent) and len(people) else {}
        out[lang] = {"agent": len(agent), "caught": _flagged(agent), "human": len(people),
                     "flagged": _flagged(people), "pair_auroc": pooled.get("pair_auroc"),
                     "repos": int(g["repo"].nunique())}  # fmt: skip
        if ctx is not None:
            c = ctx[(ctx["language"] == lang) & ctx["p"].notna()]
            out[lang]["context"] = {"n": len(c), "flagged": _flagged(c)}
    return out


def run(args: argparse.Namespace, stack_options: list[str]) -> dict[str, Any]:
    pool = read_parquet(args.pool, "--pool", hint="`codeorigin-train protocol --pool-only`")
    fragments = None if args.fragments is None else read_parquet(args.fragments, "--fragments")
    context = None if args.context is None else read_parquet(args.context, "--context")
    people = None if args.people is None else read_parquet(args.people, "--people")
    agents = args.agents or within.loao_agents(pool)
    unknown = sorted(set(agents) - set(pool["agent"].astype(str)))
    if unknown:
        raise SystemExit(f"--agents: {', '.join(unknown)}: no function in {args.pool}")
    out: dict[str, Any] = {"languages": [*args.languages, *args.routes], "base": str(args.base),
                           "routes": list(args.routes),
                           "recipe": " ".join(stack_options), "agents": {}}  # fmt: skip
    for agent in agents:
        started = time.perf_counter()
        fold = args.work / agent
        repos = fold_files(pool, fragments, context, agent, fold, people)
        grafted, abstained = train_fold(args, stack_options, fold)
        rows = pool[(pool["source"] == "aidev") & pool["judged"] & pool["repo"].isin(repos)
                    & pool["agent"].isin([agent, "human"])]  # fmt: skip
        rows = rows.assign(half=[within.half_of(c) for c in rows["code"]])
        mine = None if context is None else context[context["repo"].isin(repos)]
        out["agents"][agent] = {"repos": len(repos),
                                "by_language": fold_figures(grafted, rows, mine,
                                                            [*args.languages, *args.routes],
                                                            abstained),
                                "seconds": round(time.perf_counter() - started)}  # fmt: skip
        log.info("graft-loao %s: %s", agent, out["agents"][agent])
    return out


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    argv = list(sys.argv[1:] if argv is None else argv)
    cut = argv.index("--") if "--" in argv else len(argv)
    args, stack_options = parser().parse_args(argv[:cut]), argv[cut + 1 :]
    if not stack_options:
        raise SystemExit("graft-loao: give the donor's `stack` options after `--` (at least "
                         "--transformer)")  # fmt: skip
    model_folder(args.base, "--base")
    if args.card is not None:
        model_folder(args.card, "--card")
    out_file = output_path(args.out or args.work / "graft-loao.json")
    finish(run(args, stack_options), out_file, args.card, "graft_loao")
    return 0


def finish(got: dict[str, Any], out_file: Path, card: Path | None, tool: str) -> None:
    """Write a leave-one-agent-out command's figures to `out_file`, record them in `card` (under
    `analysis.<tool>`) and print a line per agent and language."""
    out_file.parent.mkdir(parents=True, exist_ok=True)
    out_file.write_text(json.dumps(got, indent=2) + "\n")
    if card is not None:
        from codeorigin_train.analysis.record import record

        record(card, tool, got)
    for agent, v in got["agents"].items():
        for lang, f in v["by_language"].items():
            why = f" (not judged: {f['abstained']})" if f.get("abstained") else ""
            print(f"{agent} held out, {lang}: {f['caught']} of {f['agent']} caught, "
                  f"{f['flagged']} of {f['human']} people flagged{why}")  # fmt: skip


if __name__ == "__main__":
    from codeorigin_train.data.inputs import module_entry

    raise SystemExit(module_entry("codeorigin_train.analysis.graft_loao", main))
