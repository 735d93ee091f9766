"""`codeorigin-train language-stack`: a language the folder reads but does not judge, judged by a
stack of its own whose thresholds rest on people it never trained on, through the real command,
the runtime's scorer and `codeorigin scan`."""

from __future__ import annotations

import itertools
import json
import random
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from codeorigin.model.manifest import load_manifest
from codeorigin.model.scorer import Model
from helpers.cli import scan
from helpers.igmodel import planted_function
from helpers.stackedmodel import add_route, build_stacked_model

LANG = "csharp"
LINES = ["var total = 0;", "total += item.Count;", "if (items == null) return 0;",
         "foreach (var item in items) { Process(item); }", "Console.WriteLine(total);",
         "var name = item.Name.Trim();", "count++;", "return total;"]  # fmt: skip
_names = itertools.count()


def csharp_method(rng: random.Random, agent: bool) -> str:
    """A C# method; an agent's has a summary comment and a guard clause a person's lacks."""
    body = [rng.choice(LINES) for _ in range(rng.randint(3, 6))]
    if agent:
        body.insert(0, "ArgumentNullException.ThrowIfNull(items);")
    doc = "    /// <summary>Sums the items.</summary>\n" if agent else ""
    lines = "".join(f"        {line}\n" for line in body)
    return f"{doc}    public int Sum{next(_names)}(List<Item> items)\n    {{\n{lines}    }}\n"


def _run(*argv: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "codeorigin_train", "language-stack", *argv],
                          capture_output=True, text=True, timeout=600)  # fmt: skip


@pytest.fixture(scope="module")
def inputs(tiny_ig_model_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A base that judges Python only; C#'s agents' functions and people's functions of the pool
    (train and validation repositories) and people's dated code beside the changes, of which one
    repository has a Claude Code change and is left out; a test split the command never reads."""
    root = tmp_path_factory.mktemp("language-stack")
    base = build_stacked_model(root / "base", tiny_ig_model_dir, languages={"python": 0.1})
    add_route(base, tiny_ig_model_dir, member={"linear": 0.5, "agentic": 1.5})
    raw = json.loads((base / "manifest.json").read_text())
    (base / "manifest.json").write_text(json.dumps({**raw, "languages": ["python"]}))
    rng = random.Random(11)
    rows = []
    for split, agents, people, repos in (("train", 100, 160, 10), ("val", 30, 40, 3),
                                         ("test", 20, 20, 2)):  # fmt: skip
        for i in range(agents + people):
            agent = i < agents
            repo = i % repos  # Codex has changes in the last repository of each split
            who = ("codex" if repo == repos - 1 else "copilot") if agent else "human"
            rows.append({"code": csharp_method(rng, agent), "language": LANG, "label": int(agent),
                         "source": "aidev", "split": split, "repo": f"octo/{split}{repo}",
                         "group": f"octo/{split}{repo}", "agent": who, "judged": True})  # fmt: skip
    rows[0]["agent"] = "claude-code"  # octo/train0: its people beside the changes are left out
    pd.DataFrame(rows).to_parquet(root / "pool.parquet")
    context = [{"code": csharp_method(rng, False), "language": LANG, "repo": f"octo/train{i % 10}",
                "split": "train" if i < 150 else "val", "dated_history": True,
                "dated_copy": False} for i in range(180)]  # fmt: skip
    pd.DataFrame(context).to_parquet(root / "context.parquet")
    return {"base": base, "rows": root / "pool.parquet", "people": root / "context.parquet",
            "root": root, "transformer": tiny_ig_model_dir}  # fmt: skip


@pytest.fixture(scope="module")
def stacked(inputs: dict[str, Path]) -> tuple[Path, str]:
    out = inputs["root"] / "judged"
    done = _run("--base", str(inputs["base"]), "--languages", LANG, "--people",
                str(inputs["people"]), "--rows", str(inputs["rows"]), "--out", str(out))  # fmt: skip
    assert done.returncode == 0, done.stderr
    return out, done.stdout


def test_the_language_gets_a_stack_and_thresholds_bounded_on_people_it_never_trained_on(
    inputs: dict[str, Path], stacked: tuple[Path, str]
) -> None:
    out, stdout = stacked
    manifest = load_manifest(out)
    assert manifest.trained_on is not None and LANG in manifest.trained_on
    assert manifest.stacked is not None
    assert [s.name for s in manifest.stacked.stacks] == [LANG]
    spec = manifest.stacked.for_language(LANG)
    assert spec.stacker.weights["transformer"] == 0.0 and spec.stacker.weights["linear"] > 0
    assert (out / f"{LANG}-linear.npz").is_file()
    t = manifest.raw["thresholds"]["languages"][LANG]
    # out of fold: the train split's 160 and 150 people, less the 15 of octo/train0's context;
    # the validation split's 40 and 30, less 3 of octo/train0
    assert t["functions"] == 160 + 135 + 40 + 27 and t["repositories"] == 10 + 3
    assert t["uncertain"] <= t["llm"] and 0 < t["recall"] <= 1
    record = manifest.raw["language_stacks"]["languages"][LANG]
    assert record["parity"] <= 1e-6 and record["validation"]["caught"] > 0
    assert manifest.raw["language_stacks"]["people_without"] == ["claude-code"]
    assert f"{LANG}: judged by a stack of its own" in stdout
    # the validation people sit under the threshold; the test split's agents mostly above it
    pool = pd.read_parquet(inputs["rows"])
    model = Model.load(out)
    for split, label, most in (("val", 0, False), ("test", 1, True)):
        texts = pool.loc[(pool["split"] == split) & (pool["label"] == label), "code"].tolist()
        flagged = np.mean([s.probability >= t["llm"] for s in model.score_texts(texts, [LANG] * len(texts))])
        assert flagged > 0.5 if most else flagged == 0


def test_other_languages_score_as_before(inputs: dict[str, Path], stacked: tuple[Path, str]) -> None:
    rng = random.Random(5)
    texts = [planted_function(rng, i % 2 == 0) for i in range(12)]
    before = Model.load(inputs["base"]).score_texts(texts, ["python"] * 12)
    after = Model.load(stacked[0]).score_texts(texts, ["python"] * 12)
    assert [a.probability for a in after] == [b.probability for b in before]


def test_scan_gives_a_csharp_method_a_verdict_where_the_base_did_not(
    inputs: dict[str, Path], stacked: tuple[Path, str], tmp_path: Path
) -> None:
    rng = random.Random(23)
    source = "public class Basket\n{\n" + csharp_method(rng, True) + "}\n"
    (tmp_path / "Basket.cs").write_text(source)
    verdicts = {}
    for name, folder in (("base", inputs["base"]), ("judged", stacked[0])):
        done = scan(str(tmp_path / "Basket.cs"), "--model", str(folder), "--format", "json",
                    "--no-config", "--exit-zero")  # fmt: skip
        assert done.returncode == 0, done.stderr
        spans = [s for f in json.loads(done.stdout)["files"] for s in f["spans"]]
        assert len(spans) == 1
        verdicts[name] = spans[0]["verdict"]
    assert verdicts == {"base": "not_judged", "judged": "llm"}


def test_explain_gives_the_csharp_methods_evidence_to_the_linear_member_alone(
    stacked: tuple[Path, str], tmp_path: Path
) -> None:
    rng = random.Random(29)
    source = "public class Basket\n{\n" + csharp_method(rng, True) + "}\n"
    (tmp_path / "Basket.cs").write_text(source)
    done = subprocess.run([sys.executable, "-m", "codeorigin", "explain", f"{tmp_path / 'Basket.cs'}:4",
                           "--model", str(stacked[0]), "--no-config"],
                          capture_output=True, text=True, timeout=180)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "likely LLM-generated" in done.stdout or "Verdict: llm" in done.stdout, done.stdout
    members = next(line for line in done.stdout.splitlines() if line.startswith("Members:"))
    assert re.search(r"transformer [+-]0\.00 \(weight 0\.00, 0% of the evidence\)", members)
    assert "100% of the evidence" in members.split("linear", 1)[1]


@pytest.mark.parametrize("damage", ["judged", "alias", "unread", "no-route", "few-people",
                                    "chance", "out-exists"])  # fmt: skip
def test_a_language_that_cannot_get_a_stack_is_refused_and_leaves_nothing(
    inputs: dict[str, Path], stacked: tuple[Path, str], tmp_path: Path, damage: str
) -> None:
    out = tmp_path / "out"
    base, lang, rows = inputs["base"], LANG, inputs["rows"]
    if damage == "judged":
        base, want = stacked[0], "--languages csharp: the folder judges it already"
    elif damage == "alias":
        lang, want = "typescriptreact", "is judged as typescript"
    elif damage == "unread":
        lang, want = "cobol", "not a language the span finder reads"
    elif damage == "no-route":
        base = tmp_path / "plain"
        build_stacked_model(base, inputs["transformer"], languages={"python": 0.1})
        want = "--base: the folder has no route for project code"
    elif damage == "few-people":
        rows = tmp_path / "rows.parquet"
        pool = pd.read_parquet(inputs["rows"])
        pool[(pool["label"] == 1) | (pool["split"] == "test")].to_parquet(rows)
        want = "cannot bound its false-positive rate at 1% with 95% confidence (it needs 299)"
    elif damage == "chance":  # the validation agents write as the people do
        rows, rng = tmp_path / "rows.parquet", random.Random(3)
        pool = pd.read_parquet(inputs["rows"])
        agents = (pool["split"] == "val") & (pool["label"] == 1)
        pool.loc[agents, "code"] = [csharp_method(rng, False) for _ in range(int(agents.sum()))]
        pool.to_parquet(rows)
        want = "under --min-auroc 0.7"
    else:
        out.mkdir()
        want = "exists: give a new folder"
    done = _run("--base", str(base), "--languages", lang, "--people", str(inputs["people"]),
                "--rows", str(rows), "--out", str(out))  # fmt: skip
    assert done.returncode == 2 and want in done.stderr, done.stderr
    assert "Traceback" not in done.stderr
    assert damage == "out-exists" or not out.exists()


def test_leaving_an_agent_out_fits_the_stack_again_without_its_repositories(
    inputs: dict[str, Path], stacked: tuple[Path, str], tmp_path: Path
) -> None:
    from codeorigin_train.card.headline import _language_stacks
    from codeorigin_train.card.parts import Card

    done = subprocess.run(
        [sys.executable, "-m", "codeorigin_train", "language-stack-loao", "--pool",
         str(inputs["rows"]), "--people", str(inputs["people"]), "--base", str(inputs["base"]),
         "--languages", LANG, "--agents", "codex", "--work", str(tmp_path / "work")],
        capture_output=True, text=True, timeout=600)  # fmt: skip
    assert done.returncode == 0, done.stderr
    got = json.loads((tmp_path / "work" / "stack-loao.json").read_text())
    fold = got["agents"]["codex"]
    assert fold["repos"] == 3  # octo/train9, octo/val2, octo/test1: held out whole
    f = fold["by_language"][LANG]
    pool = pd.read_parquet(inputs["rows"])
    mine = pool[pool["repo"].isin({"octo/train9", "octo/val2", "octo/test1"})]
    assert (f["agent"], f["human"]) == (int(mine["label"].sum()), int((mine["label"] == 0).sum()))
    assert f["caught"] > f["agent"] // 2 and f["flagged"] == 0 and f["pair_auroc"] > 0.9
    trained = pd.read_parquet(tmp_path / "work" / "codex" / "pool.parquet")
    assert not trained["repo"].isin(mine["repo"]).any()
    raw = load_manifest(stacked[0]).raw
    card = Card(m={"analysis": {"language_stack_loao": got}}, ch={}, cal={}, held={}, ds={},
                lat={}, max_len=0, manifest=dict(raw))  # fmt: skip
    said = _language_stacks(card)
    assert said.startswith("Judged by a stack of its own (`codeorigin-train language-stack`): C#")
    assert "fitted again without each of Codex" in said and f"C# 0 of {f['human']}" in said


def test_also_trains_on_another_language_and_context_raises_the_threshold(
    inputs: dict[str, Path], stacked: tuple[Path, str], tmp_path: Path
) -> None:
    """`--also csharp=java`: the member trains on Java's train rows too, while the stacker and
    thresholds rest on C#'s alone; `--context`: people's code beside the changes that writes as
    the agents do raises the threshold over it, and the record and the line say so."""
    rng = random.Random(41)
    pool = pd.read_parquet(inputs["rows"])
    java = [{"code": csharp_method(rng, i < 30), "language": "java", "label": int(i < 30),
             "source": "aidev", "split": "train", "repo": f"octo/java{i % 4}",
             "group": f"octo/java{i % 4}", "agent": "copilot" if i < 30 else "human",
             "judged": True} for i in range(70)]  # fmt: skip
    rows = tmp_path / "rows.parquet"
    pd.concat([pool, pd.DataFrame(java)], ignore_index=True).to_parquet(rows)
    beside = [{"code": csharp_method(rng, i % 4 == 0), "language": LANG,
               "repo": f"octo/train{i % 10}", "split": "train", "dated_history": True,
               "dated_copy": False} for i in range(200)]  # fmt: skip
    pd.DataFrame(beside).to_parquet(tmp_path / "beside.parquet")
    out = tmp_path / "out"
    done = _run("--base", str(inputs["base"]), "--languages", LANG, "--people", str(inputs["people"]),
                "--rows", str(rows), "--also", f"{LANG}=java", "--context",
                str(tmp_path / "beside.parquet"), "--out", str(out))  # fmt: skip
    assert done.returncode == 0, done.stderr
    raw = load_manifest(out).raw
    plain = load_manifest(stacked[0]).raw["language_stacks"]["languages"][LANG]
    record = raw["language_stacks"]["languages"][LANG]
    assert record["train"]["also"] == ["java"]
    assert record["train"]["agents"] == plain["train"]["agents"] + 30
    t = raw["thresholds"]["languages"][LANG]
    assert t["functions"] == 160 + 135 + 40 + 27  # C#'s held-out people alone, as without --also
    assert record["context"]["raised"] and t["context_floor"]["raised"]
    assert t["llm"] == record["context"]["threshold"] > t["context_floor"]["before"]
    assert t["recall"] == record["context"]["validation_caught"] / record["validation"]["agents"]
    assert "and java's" in done.stdout and "raised to" in done.stdout
    model = Model.load(out)
    texts = [r["code"] for r in beside if "summary" in r["code"]]
    flagged = np.mean([s.probability >= t["llm"] for s in model.score_texts(texts, [LANG] * len(texts))])
    assert flagged <= 0.05


@pytest.mark.parametrize(("value", "want"), [("java", "expected LANG=OTHER"),
                                             ("csharp=cobol", "cobol is not another language"),
                                             ("csharp=csharp", "csharp is not another language"),
                                             ("go=java", "expected LANG=OTHER")])  # fmt: skip
def test_a_malformed_also_is_refused_before_anything_is_written(
    inputs: dict[str, Path], tmp_path: Path, value: str, want: str
) -> None:
    out = tmp_path / "out"
    done = _run("--base", str(inputs["base"]), "--languages", LANG, "--people", str(inputs["people"]),
                "--rows", str(inputs["rows"]), "--also", value, "--out", str(out))  # fmt: skip
    assert done.returncode == 2 and want in done.stderr and "Traceback" not in done.stderr
    assert not out.exists()


def test_leaving_an_agent_out_passes_also_and_context_to_each_fold(
    inputs: dict[str, Path], tmp_path: Path
) -> None:
    """Each fold's stack trains on the other language's rows too and holds its threshold on the
    code beside the changes outside the held-out agent's repositories."""
    rng = random.Random(43)
    beside = [{"code": csharp_method(rng, i % 4 == 0), "language": LANG,
               "repo": f"octo/train{i % 10}", "split": "train", "dated_history": True,
               "dated_copy": False} for i in range(200)]  # fmt: skip
    pd.DataFrame(beside).to_parquet(tmp_path / "beside.parquet")
    done = subprocess.run(
        [sys.executable, "-m", "codeorigin_train", "language-stack-loao", "--pool",
         str(inputs["rows"]), "--people", str(inputs["people"]), "--base", str(inputs["base"]),
         "--languages", LANG, "--agents", "codex", "--also", f"{LANG}=java", "--context",
         str(tmp_path / "beside.parquet"), "--work", str(tmp_path / "work")],
        capture_output=True, text=True, timeout=600)  # fmt: skip
    assert done.returncode == 0, done.stderr
    fold = tmp_path / "work" / "codex"
    held = pd.read_parquet(fold / "context.parquet")
    assert len(held) == 180 and not held["repo"].eq("octo/train9").any()
    record = load_manifest(fold / f"stacked-{LANG}").raw["language_stacks"]["languages"][LANG]
    assert record["train"]["also"] == ["java"] and record["context"]["raised"]
