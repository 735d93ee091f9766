"""`codeorigin calibrate` on real git repositories (commits dated with GIT_AUTHOR_DATE and
GIT_COMMITTER_DATE, an agent's trailer): the baseline of functions written before 2022-06-21
against those an agent signed, per language; a bound only where the baseline is large enough;
`--write` records it, and `scan` and `explain` then judge with it and say so. A shallow clone, a
folder outside any repository, a repository without commits or without history before the date
each get a clear message. The bound itself is held to the training tree's.
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from codeorigin.core import bound
from helpers.gitrepo import dated_commit, git, init_repo

WORDS = ["total", "count", "items", "value", "result", "index", "offset", "limit", "size", "depth"]
CLAUDE = "Add the helpers\n\nCo-Authored-By: Claude <noreply@anthropic.com>"


#: Per language: a function's first line, a statement, its last lines, and what comes before and
#: between functions. Rust and Kotlin are languages the shipped model scores and abstains on.
SHAPES = {
    "python": ("def {name}({a}, {b}):", "    {x} = {y} + {a} * {k}", ["    return {b}"], "", "\n\n"),
    "rust": ("pub fn {name}({a}: i64, {b}: i64) -> i64 {{", "    let {x} = {y} + {a} * {k};",
             ["    {b}", "}}"], "", "\n"),
    "kotlin": ("fun {name}({a}: Long, {b}: Long): Long {{", "    val {x} = {y} + {a} * {k}",
               ["    return {b}", "}}"], "", "\n"),
}  # fmt: skip
EXTENSIONS = {"python": "py", "rust": "rs", "kotlin": "kt"}


def functions(
    rng: random.Random, prefix: str, n: int, start: int = 0, language: str = "python"
) -> str:
    """`n` generated functions of `language`, named `{prefix}_{i}` from `start` on."""
    head, statement, tail, before, between = SHAPES[language]
    out = []
    for i in range(start, start + n):
        a, b = rng.sample(WORDS, 2)
        body = [head.format(name=f"{prefix}_{i}", a=a, b=b)]
        for k in range(rng.randint(3, 6)):
            x, y = rng.sample(WORDS, 2)
            body.append(statement.format(x=x, y=y, a=a, k=k + i % 5))
        out.append("\n".join([*body, *(line.format(b=b) for line in tail)]) + "\n")
    return before + between.join(out)


def history(root: Path, old: int, agent: int, old_date: str = "2019-05-01T10:00:00",
            language: str = "python", agent_message: str = CLAUDE) -> Path:  # fmt: skip
    """A repository of `old` functions people wrote before the cut-off (in files of 40) and
    `agent` functions Claude Code added in 2025, in `language`."""
    init_repo(root)
    rng = random.Random(7)
    ext = EXTENSIONS[language]
    for m in range(0, old, 40):
        (root / f"mod{m}.{ext}").write_text(functions(rng, "old", min(40, old - m), m, language))
        dated_commit(root, f"module {m}", old_date)
    (root / f"helpers.{ext}").write_text(functions(rng, "agent", agent, language=language))
    dated_commit(root, agent_message, "2025-09-01T10:00:00")
    return root


def codeorigin(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "codeorigin", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=300)  # fmt: skip


def test_the_bound_is_the_training_trees() -> None:
    from codeorigin_train.fit.calibrate import threshold_at_fpr

    rng = np.random.default_rng(3)
    for n in (299, 300, 1_000, 4_000):
        humans = rng.random(n)
        assert bound.bounded_threshold(list(humans)) == threshold_at_fpr(humans, 0.01, 0.95)
    assert bound.needed() == 299 and bound.bounded_threshold([0.5] * 298) is None


def test_calibrate_measures_writes_and_scan_and_explain_use_it(tmp_path: Path) -> None:
    repo = history(tmp_path / "repo", old=320, agent=12)
    said = codeorigin("calibrate", "--format", "json", cwd=repo)
    assert said.returncode == 0, said.stderr
    (python,) = json.loads(said.stdout)["languages"]
    assert (python["language"], python["baseline"], python["agent"]) == ("python", 320, 12)
    assert python["agents"] == {"Claude Code": 12}
    assert python["bounded_threshold"] is not None and python["bounded_baseline_flagged"] <= 0.01
    assert 0 <= python["auroc"] <= 1 and python["threshold"] == 0.8447
    # What judging each commit's functions together (as scan does) adds, measured here too.
    assert json.loads(said.stdout)["commit_threshold"] > python["threshold"]
    assert python["baseline_flagged_with_commits"] >= python["baseline_flagged"]
    assert python["agent_caught_with_commits"] >= python["agent_caught"]
    text = codeorigin("calibrate", cwd=repo).stdout
    assert "functions whose every line was written before 2022-06-21" in text
    assert "With each commit's functions judged together (scan pools them, at 93." in text
    assert "Agent set by agent: Claude Code 12" in text
    assert python["agent_squash_merged"] == 0 and "squash merges" not in text

    written = codeorigin("calibrate", "--write", cwd=repo)
    assert written.returncode == 0 and "wrote the thresholds to" in written.stderr
    toml = (repo / ".codeorigin.toml").read_text()
    assert toml.startswith("[calibration]") and f"threshold = {python['bounded_threshold']}" in toml
    assert "functions = 320, agent = 12" in toml
    head = git(repo, "rev-parse", "HEAD").strip()
    assert f'commit = "{head[:10]}"' in toml
    # Written again, it replaces its table and keeps the rest of the file.
    (repo / ".codeorigin.toml").write_text('exclude = ["build/"]\n\n' + toml)
    assert codeorigin("calibrate", "--write", cwd=repo).returncode == 0
    again = (repo / ".codeorigin.toml").read_text()
    assert again.startswith('exclude = ["build/"]') and again.count("[calibration]") == 1

    scan = codeorigin("scan", ".", "--exit-zero", cwd=repo).stdout
    shown = bound_percent(python["bounded_threshold"])
    assert f"python {shown}" in scan
    assert (f"Calibrated on this repository (codeorigin calibrate): python threshold {shown}, "
            "calibrated on 320 functions of this repository written before 2022-06-21.") in scan  # fmt: skip
    explained = codeorigin("explain", "mod0.py::old_0", cwd=repo).stdout
    assert f"Threshold: {shown} (uncertain from" in explained
    assert "calibrated on 320 functions of this repository written before 2022-06-21" in explained
    # --threshold still wins, and then no calibration is named.
    given = codeorigin("scan", ".", "--exit-zero", "--threshold", "0.5", cwd=repo).stdout
    assert "Calibrated on this repository" not in given


def test_the_agent_sets_functions_from_squash_merges_are_counted(tmp_path: Path) -> None:
    # the agent's commit squash-merged pull request #12: its trailer may stand for only some of
    # the pull request's commits, so calibrate says how much of the agent set came that way
    squash = CLAUDE.replace("Add the helpers", "Add the helpers (#12)")
    repo = history(tmp_path / "repo", old=40, agent=12, agent_message=squash)
    (python,) = json.loads(codeorigin("calibrate", "--format", "json", cwd=repo).stdout)["languages"]
    assert (python["agent"], python["agent_squash_merged"]) == (12, 12)
    assert python["auroc_without_squash_merges"] is None  # nothing is left without them
    text = " ".join(codeorigin("calibrate", cwd=repo).stdout.split())
    assert "Of it, from squash merges of pull requests: python 12 of 12 (a squash merge's marker " \
        "may stand for only some of the pull request's commits" in text
    assert "without them" not in text
    # a commit of the agent's own with two functions: too few to rank, so no AUROC on them alone
    (repo / "two.py").write_text(functions(random.Random(4), "two", 2))
    dated_commit(repo, CLAUDE, "2025-09-01T10:00:00")
    (python,) = json.loads(codeorigin("calibrate", "--format", "json", cwd=repo).stdout)["languages"]
    assert (python["agent"], python["agent_squash_merged"]) == (14, 12)
    assert python["auroc_without_squash_merges"] is None
    # more of them: the AUROC is also given on the rest of the set
    (repo / "more.py").write_text(functions(random.Random(3), "own", 8))
    dated_commit(repo, CLAUDE, "2025-10-01T10:00:00")
    (python,) = json.loads(codeorigin("calibrate", "--format", "json", cwd=repo).stdout)["languages"]
    assert (python["agent"], python["agent_squash_merged"]) == (22, 12)
    assert 0 <= python["auroc_without_squash_merges"] <= 1
    text = " ".join(codeorigin("calibrate", cwd=repo).stdout.split())
    assert (f"the AUROC without them: python {python['auroc_without_squash_merges']:.3f}." in text)


def test_a_squash_merge_of_copilots_pull_request_is_in_the_agent_set(tmp_path: Path) -> None:
    # GitHub authors the squash merge of the Copilot coding agent's pull request as the agent's
    # account; the message names only the person who merged it. Three such functions: counted,
    # but too few to rank, so no AUROC, and the report says why.
    repo = history(tmp_path / "repo", old=40, agent=0)
    (repo / "agent.py").write_text(functions(random.Random(5), "agent", 3))
    copilot = "Copilot <198982749+Copilot@users.noreply.github.com>"
    dated_commit(repo, "Add the helpers (#2588)\n\nCo-authored-by: Cal <cal@example.org>",
                 "2026-07-06T10:00:00", author=copilot)  # fmt: skip
    (python,) = json.loads(codeorigin("calibrate", "--format", "json", cwd=repo).stdout)["languages"]
    assert python["agents"] == {"Copilot coding agent": 3} and python["agent_squash_merged"] == 3
    assert python["auroc"] is None
    text = " ".join(codeorigin("calibrate", cwd=repo).stdout.split())
    assert "No AUROC where the agent set has fewer than 5 functions (too few to rank): python 3." \
        in text


def test_what_each_threshold_flags_of_the_unsigned_new_code_is_said(tmp_path: Path) -> None:
    # six functions a person added in 2024, no agent's mark: in neither set, but what a scan of
    # the repository will judge, so the report says how much of it is flagged, beside the baseline
    repo = history(tmp_path / "repo", old=40, agent=5)
    (repo / "newer.py").write_text(functions(random.Random(6), "newer", 6))
    dated_commit(repo, "Add the newer helpers", "2024-03-01T10:00:00")
    (python,) = json.loads(codeorigin("calibrate", "--format", "json", cwd=repo).stdout)["languages"]
    assert (python["baseline"], python["agent"], python["unsigned"]) == (40, 5, 6)
    assert python["own_unsigned_flagged"] is None  # no bound on 40 functions
    text = " ".join(codeorigin("calibrate", cwd=repo).stdout.split())
    assert ("Flagged of the functions changed since 2022-06-21 that no agent signed (in neither "
            f"set, of unknown authorship): python 6: {100 * python['unsigned_flagged']:.1f}% at the "
            f"model's threshold (the baseline: {100 * python['baseline_flagged']:.1f}%).") in text


def test_the_tree_at_the_cut_off_dates_what_blame_cannot(tmp_path: Path) -> None:
    # a person edited every old function in 2023: blame dates none of them before the cut-off,
    # but the tree of 2019 holds all 320 as people wrote them, and a bound rests on those
    repo = history(tmp_path / "repo", old=320, agent=12)
    then = git(repo, "log", "-1", "--format=%H", "HEAD~1").strip()
    for f in sorted(repo.glob("mod*.py")):
        f.write_text(f.read_text().replace("    return ", "    return 0 + "))
    dated_commit(repo, "Tidy the returns", "2023-03-01T10:00:00")
    said = json.loads(codeorigin("calibrate", "--format", "json", cwd=repo).stdout)
    (python,) = said["languages"]
    assert said["snapshot"] == {"commit": then, "date": "2019-05-01"}
    assert (python["baseline"], python["baseline_snapshot"], python["agent"]) == (320, 320, 12)
    assert python["bounded_threshold"] is not None
    assert "baseline_flagged_with_commits" not in python  # no function of it has a commit
    text = " ".join(codeorigin("calibrate", cwd=repo).stdout.split())
    assert (f"and those of the tree at {then[:10]} (2019-05-01, the last commit before that day) "
            "as they stood there") in text
    assert f"Of the baseline, the tree at {then[:10]} adds the functions people had written by " \
        "then that have been edited since or are gone: python 320." in text
    # the settings file's exclusions hold in the old tree too
    (repo / ".codeorigin.toml").write_text('exclude = ["mod0.py"]\n')
    (python,) = json.loads(codeorigin("calibrate", "--format", "json", cwd=repo).stdout)["languages"]
    assert python["baseline"] == 280
    # without it, the baseline is blame's alone: none
    (python,) = json.loads(codeorigin("calibrate", "--format", "json", "--no-snapshot",
                                      cwd=repo).stdout)["languages"]  # fmt: skip
    assert (python["baseline"], python["baseline_snapshot"], python["bounded_threshold"]) == (0, 0, None)
    # a blob of that tree gone (a partial clone's, or a damaged store): its file is left out
    blob = git(repo, "rev-parse", f"{then}:mod40.py").strip()
    (repo / ".git" / "objects" / blob[:2] / blob[2:]).unlink()
    said = codeorigin("calibrate", "--format", "json", cwd=repo)
    assert said.returncode == 0, said.stderr
    assert json.loads(said.stdout)["languages"][0]["baseline"] == 240
    # functions that stand unchanged since then are counted once, dated by blame
    fresh = history(tmp_path / "fresh", old=40, agent=2)
    (python,) = json.loads(codeorigin("calibrate", "--format", "json", cwd=fresh).stdout)["languages"]
    assert (python["baseline"], python["baseline_snapshot"], python["agent"]) == (40, 0, 2)
    # an agent's commit that moves a person's function to a file of its own did not write it
    first, rest = (fresh / "mod0.py").read_text().split("\n\n\n", 1)
    (fresh / "mod0.py").write_text(rest)
    (fresh / "moved.py").write_text(first + "\n")
    dated_commit(fresh, CLAUDE, "2025-10-01T10:00:00")
    (python,) = json.loads(codeorigin("calibrate", "--format", "json", cwd=fresh).stdout)["languages"]
    assert (python["baseline"], python["baseline_snapshot"]) == (40, 1)
    assert (python["agent"], python["agent_known_before"]) == (2, 1)
    assert "stood in that tree already (moved, not written): python 1." in " ".join(
        codeorigin("calibrate", cwd=fresh).stdout.split())


def test_each_file_is_blamed_once_however_many_files_the_repository_has(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # The scan reads each file's blame and the measurement reads it again: in a repository of
    # more files than the blames kept between calls (`provenance.KEEP`, 1 here, 256 shipped),
    # every file was blamed twice, minutes in a large one. Real git, its blames counted.
    from codeorigin.cli import main
    from codeorigin.scan import provenance

    repo = history(tmp_path / "repo", old=120, agent=12)  # mod0, mod40, mod80 and helpers.py
    blamed: list[str] = []
    real = provenance.run

    def counted(argv: list[str], *rest: object, **named: object) -> str:
        if argv[0] == "blame":
            blamed.append(argv[-1])
        return real(argv, *rest, **named)  # type: ignore[arg-type]

    monkeypatch.setattr(provenance, "KEEP", 1)
    monkeypatch.setattr(provenance, "run", counted)
    monkeypatch.chdir(repo)
    provenance.forget()
    assert main(["calibrate", "--format", "json"]) == 0
    measured = json.loads(capsys.readouterr().out)
    assert sorted(blamed) == ["helpers.py", "mod0.py", "mod40.py", "mod80.py"]
    (python,) = measured["languages"]
    assert (python["baseline"], python["agent"]) == (120, 12)
    alone = json.loads(codeorigin("calibrate", "--format", "json", cwd=repo).stdout)
    assert alone["languages"] == measured["languages"]  # a run of its own measures the same
    assert len(provenance._blames) <= 1  # kept past the run: as many as between calls


def judged_spans(repo: Path) -> list[dict]:
    """The function spans `scan --format json` reports for the repository."""
    said = codeorigin("scan", ".", "--format", "json", "--exit-zero", cwd=repo)
    return [
        s for f in json.loads(said.stdout)["files"] for s in f["spans"] if s["kind"] != "module"
    ]


@pytest.mark.parametrize("language", ["rust", "kotlin"])
def test_a_language_the_model_abstains_on_is_judged_once_its_own_bound_is_written(
    tmp_path: Path, language: str
) -> None:
    # The shipped model scores Rust and Kotlin with the grafted stack (`codeorigin-train
    # stack-scored`), and judges neither.
    repo = history(tmp_path / "repo", old=320, agent=12, language=language)
    verdicts = {s["verdict"] for s in judged_spans(repo)}
    assert verdicts == {"not_judged"}, verdicts

    said = codeorigin("calibrate", "--format", "json", cwd=repo)
    assert said.returncode == 0, said.stderr
    (row,) = json.loads(said.stdout)["languages"]
    assert (row["language"], row["baseline"], row["agent"]) == (language, 320, 12) and row["model_abstains"]
    # Its uncertain band starts where 5% of the baseline is: the model has none for the language.
    near = row["bounded_uncertain"]
    assert near <= row["bounded_threshold"]
    assert row["threshold"] is None and row["baseline_flagged"] is None and row["agent_caught"] is None
    assert row["bounded_threshold"] is not None and row["bounded_baseline_flagged"] <= 0.01
    text = codeorigin("calibrate", cwd=repo).stdout
    assert "abstains" in text and f"The model alone does not judge {language}: a threshold that" in text
    assert "judge the language's functions in this repository alone (not its module code" in " ".join(text.split())
    assert "--write also records where its uncertain band starts, above all but 5% of the " in text

    assert codeorigin("calibrate", "--write", cwd=repo).returncode == 0
    toml = (repo / ".codeorigin.toml").read_text()
    assert (f"{language} = {{ threshold = {row['bounded_threshold']}, uncertain = {near}, "
            "functions = 320, agent = 12 }") in toml
    assert "judged in this repository only" in toml
    spans = judged_spans(repo)
    assert {s["verdict"] for s in spans} <= {"llm", "uncertain", "human"}
    old = [s for s in spans if s["name"].startswith("old")]
    assert len(old) == 320 and sum(s["verdict"] == "llm" for s in old) <= 0.01 * 320
    assert sum(s["verdict"] != "human" for s in old) <= 0.05 * 320  # flagged or uncertain
    text = codeorigin("scan", ".", "--exit-zero", cwd=repo).stdout
    shown = bound_percent(row["bounded_threshold"])
    assert f"{language} threshold {shown}, calibrated on 320 functions of this repository" in text
    # Its module code gets no verdict: the bound was measured on functions, and the model has
    # none for the language's module code either.
    keyword = "const" if language == "rust" else "val"
    typed = ": i64" if language == "rust" else ""
    (repo / f"limits.{EXTENSIONS[language]}").write_text("".join(
        f"{keyword} LIMIT_{k.upper()}{typed} = {3 * i + 7} * {i + 2} + {i};\n"
        for i, k in enumerate(WORDS)))  # fmt: skip
    said = json.loads(codeorigin("scan", ".", "--format", "json", "--exit-zero", cwd=repo).stdout)
    (module,) = [s for f in said["files"] if f["path"].startswith("limits") for s in f["spans"]]
    assert module["kind"] == "module" and module["verdict"] == "not_judged", module
    text = codeorigin("scan", ".", "--exit-zero", cwd=repo).stdout
    assert "own threshold for it was measured on functions, not on module code" in text
    # Another repository, without the calibration, is not judged in the language.
    other = history(tmp_path / "other", old=40, agent=2, language=language)
    assert {s["verdict"] for s in judged_spans(other)} <= {"not_judged", "too_short"}


def test_a_language_whose_agent_set_its_bound_misses_is_not_written(tmp_path: Path) -> None:
    # 40 agent-signed Kotlin functions written like the repository's people's: the bound catches
    # none of them, so a flag there would say nothing, and --write leaves Kotlin unjudged.
    repo = history(tmp_path / "repo", old=320, agent=40, language="kotlin")
    (row,) = json.loads(codeorigin("calibrate", "--format", "json", cwd=repo).stdout)["languages"]
    assert row["bounded_threshold"] is not None and row["bounded_agent_caught"] == 0 and row["weak"]
    text = " ".join(codeorigin("calibrate", cwd=repo).stdout.split())
    assert (f"kotlin: --write leaves it out: at {bound_percent(row['bounded_threshold'])} it would "
            "catch 0.0% of the 40 agent-signed functions and flag 0.0% of the baseline, so a flag "
            "would be less than 5 times likelier an agent's function than a person's here.") in text
    assert "uncertain band starts" not in text
    written = codeorigin("calibrate", "--write", cwd=repo)
    assert written.returncode == 2, written.stderr
    assert ("nothing written: kotlin: a flag would be little evidence there (above); no other "
            "language has a baseline large enough for a bound") in written.stderr
    assert not (repo / ".codeorigin.toml").exists()
    assert {s["verdict"] for s in judged_spans(repo)} == {"not_judged"}


def bound_percent(t: float) -> str:
    from codeorigin.core.verdicts import percent

    return percent(t)


def test_a_baseline_too_small_says_how_many_more_it_needs_and_writes_nothing(
    tmp_path: Path,
) -> None:
    repo = history(tmp_path / "repo", old=80, agent=5)
    said = codeorigin("calibrate", cwd=repo)
    assert said.returncode == 0
    assert "needs 219 more baseline functions (299 in all)" in said.stdout
    written = codeorigin("calibrate", "--write", cwd=repo)
    assert written.returncode == 2 and "nothing written" in written.stderr
    assert not (repo / ".codeorigin.toml").exists()


def test_a_calibration_for_another_model_is_not_used(tmp_path: Path) -> None:
    repo = history(tmp_path / "repo", old=40, agent=2)
    (repo / ".codeorigin.toml").write_text(
        '[calibration]\nmodel = "older"\ndigest = "0123456789abcdef"\n'
        'python = { threshold = 0.5, functions = 400, agent = 3 }\n'
    )
    said = codeorigin("scan", ".", "--exit-zero", cwd=repo)
    assert "calibration was made for the model older (0123456789abcdef)" in said.stderr
    assert "Calibrated on this repository" not in said.stdout and "python 84.5%" in said.stdout


@pytest.mark.parametrize("case", ["outside", "shallow", "no commit", "no history before"])
def test_where_calibrate_cannot_measure_it_says_why(tmp_path: Path, case: str) -> None:
    if case == "outside":
        where = tmp_path / "plain"
        where.mkdir()
        want = "not in a git work tree: calibrate measures the detector on a git repository"
    elif case == "shallow":
        origin = history(tmp_path / "origin", old=40, agent=2)
        where = tmp_path / "clone"
        git(tmp_path, "clone", "-q", "--depth", "1", f"file://{origin}", str(where))
        want = "is a shallow clone"
    elif case == "no commit":
        where = init_repo(tmp_path / "empty")
        (where / "a.py").write_text(functions(random.Random(1), "f", 3))
        want = "has no commit yet: nothing to date"
    else:
        where = history(tmp_path / "young", old=40, agent=2, old_date="2023-01-01T10:00:00")
        said = codeorigin("calibrate", cwd=where)
        assert said.returncode == 0
        assert "No judged function was written before 2022-06-21" in said.stdout
        return
    said = codeorigin("calibrate", cwd=where)
    assert said.returncode == 2 and want in said.stderr, said.stderr
    assert "Traceback" not in said.stderr


def with_reference(tmp_path: Path, margin: float) -> Path:
    """The shipped model folder, its manifest given a reference margin (`codeorigin-train
    reference` writes one): its scores are the shipped model's."""
    import shutil

    from codeorigin.model.manifest import default_model_dir

    folder = tmp_path / "model"
    shutil.copytree(default_model_dir(), folder)
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["thresholds"]["reference"] = {"margin": margin, "min_functions": 30,
                                           "repositories": 51, "people": 5430}  # fmt: skip
    (folder / "manifest.json").write_text(json.dumps(manifest))
    return folder


def test_a_repository_without_dated_history_gets_the_models_reference_threshold(
    tmp_path: Path,
) -> None:
    from codeorigin.core import reference

    model = str(with_reference(tmp_path, 1.5))
    repo = history(tmp_path / "repo", old=40, agent=12, old_date="2023-03-01T10:00:00")
    probabilities = [s["probability"] for s in judged_spans(repo)]
    assert len(probabilities) == 52
    said = codeorigin("calibrate", "--format", "json", "--model", model, cwd=repo)
    assert said.returncode == 0, said.stderr
    (python,) = json.loads(said.stdout)["languages"]
    assert python["baseline"] == 0 and python["bounded_threshold"] is None
    assert python["basis"] == "reference" and python["reference_functions"] == 52
    want = reference.threshold(probabilities, 1.5)
    assert want is not None and abs(python["reference_threshold"] - want) < 1e-4  # JSON rounds
    text = codeorigin("calibrate", "--model", model, cwd=repo).stdout
    assert f"reference {bound_percent(python['reference_threshold'])}" in text
    assert "A reference threshold (python) needs no dated baseline" in text

    written = codeorigin("calibrate", "--write", "--model", model, cwd=repo)
    assert written.returncode == 0, written.stderr
    toml = (repo / ".codeorigin.toml").read_text()
    assert (f"python = {{ threshold = {python['reference_threshold']}, basis = \"reference\", "
            "functions = 52, agent = 12 }") in toml  # fmt: skip
    scan = codeorigin("scan", ".", "--exit-zero", "--model", model, cwd=repo).stdout
    assert (f"python threshold {bound_percent(python['reference_threshold'])}, set above the "
            "median of this repository's 52 functions by a margin that held people of other "
            "repositories to 1%.") in scan  # fmt: skip
    flagged = sum(p >= python["reference_threshold"] for p in probabilities)
    assert f"{flagged} flagged" in scan

    # The shipped model has no margin: the same repository gets nothing to write.
    plain = codeorigin("calibrate", "--write", cwd=repo)
    assert plain.returncode == 2 and "nothing written" in plain.stderr


@pytest.mark.parametrize(("entry", "said"), [
    ('basis = "guess", functions = 40', "basis 'guess' is not one"),
    ("uncertain = 0.7, functions = 40", "expected an uncertain threshold from 0 to its threshold"),
])  # fmt: skip
def test_a_calibration_table_with_an_unknown_basis_or_a_bad_uncertain_is_refused(
    tmp_path: Path, entry: str, said: str
) -> None:
    repo = history(tmp_path / "repo", old=40, agent=2)
    (repo / ".codeorigin.toml").write_text(
        '[calibration]\nmodel = "m"\ndigest = "0123456789abcdef"\n'
        f"python = {{ threshold = 0.5, {entry}, agent = 2 }}\n"
    )
    done = codeorigin("scan", ".", cwd=repo)
    assert done.returncode == 2 and said in done.stderr, done.stderr
    assert "Traceback" not in done.stderr


def test_a_bound_below_the_models_threshold_says_what_it_costs_in_words() -> None:
    """Where the repository's bound sits below the model's threshold, the report says how much
    more of the old code it flags, or that it flags as much, and how many more agent functions."""
    from codeorigin.scan.calibration import Language, Measurement
    from codeorigin.scan.calibration_text import render_text

    rng = random.Random(3)
    people = [rng.uniform(0.0, 0.3) for _ in range(350)]  # its bound flags none of them
    go = Language("go", functions=632, baseline=people, agent=[0.5] * 20 + [0.1] * 262,
                  agents={"claude-code": 282}, threshold=0.689)  # fmt: skip
    text = render_text(Measurement(Path("/repo"), "965feb4042", "m", "d", {"go": go}))
    said = "it flags as much of this repository's old code (0.0%) and catches 20 more of its 282"
    assert said in text
    go.baseline = [rng.uniform(0.0, 0.3) for _ in range(1000)]  # a bound that flags five of them
    text = render_text(Measurement(Path("/repo"), "965feb4042", "m", "d", {"go": go}))
    assert "it flags more of this repository's old code (" in text and "instead of 0.0%)" in text


def test_a_lower_threshold_that_flags_people_as_often_as_agents_is_not_written() -> None:
    """A bound below the model's threshold is written only where the agents' functions it adds
    outnumber, five to one in share, the people's it adds; the model's threshold stays otherwise."""
    from codeorigin.scan.calibration import Language, Measurement, table
    from codeorigin.scan.calibration_text import render_text

    people = [0.8 * k / 400 for k in range(400)]  # its bound sits near 0.79, under the model's 0.9
    alike = Language("csharp", functions=440, baseline=people, threshold=0.9,
                     agent=[0.8 * k / 40 for k in range(40)], agents={"Claude Code": 40})  # fmt: skip
    (row,) = Measurement(Path("/repo"), "965feb4042", "m", "d", {"csharp": alike}).rows()
    assert row["bounded_threshold"] < 0.9 and row["weak"]
    m = Measurement(Path("/repo"), "965feb4042", "m", "d", {"csharp": alike})
    assert "csharp" not in table(m)
    assert "--write keeps the model's: a flag between the two would be less than 5 times " \
        "likelier an agent's function than a person's here." in " ".join(render_text(m).split())
    # the agents' functions sit between the bound and the model's threshold: it is written
    apart = Language("csharp", functions=440, baseline=people, threshold=0.9,
                     agent=[0.85] * 40, agents={"Claude Code": 40})  # fmt: skip
    m = Measurement(Path("/repo"), "965feb4042", "m", "d", {"csharp": apart})
    assert not m.rows()[0]["weak"] and "csharp = { threshold = " in table(m)
    # too few agents' functions to tell: written, as before
    few = Language("csharp", functions=410, baseline=people, threshold=0.9, agent=[0.1] * 10,
                   agents={"Claude Code": 10})  # fmt: skip
    m = Measurement(Path("/repo"), "965feb4042", "m", "d", {"csharp": few})
    assert not m.rows()[0]["weak"] and "csharp = { threshold = " in table(m)


def test_a_repositorys_people_commits_that_pool_high_raise_its_commit_threshold(
    tmp_path: Path,
) -> None:
    """One person's commit of 2019 whose functions pool above the model's threshold for a
    commit's functions: calibrate says so, `--write` raises the repository's own just above it,
    and scan then flags none of them together and names the threshold it used."""
    repo = init_repo(tmp_path / "repo")
    text = (Path(__file__).parents[1] / "helpers" / "commit_functions.txt").read_text()
    (repo / "verdicts.py").write_text(text)
    dated_commit(repo, "Verdicts", "2019-05-01T10:00:00")
    before = json.loads(codeorigin("scan", ".", "--format", "json", "--exit-zero", cwd=repo).stdout)
    pooled = [s for f in before["files"] for s in f["spans"] if "with_commit" in s]
    assert len(pooled) >= 2  # the model's threshold flags them together
    said = json.loads(codeorigin("calibrate", "--format", "json", cwd=repo).stdout)["commits"]
    highest = pooled[0]["with_commit"]["probability"]
    assert said["people_commits"] == 1 and said["basis"] == "highest" and said["auroc"] is None
    assert said["highest"] == pytest.approx(highest, abs=1e-4) and said["people_flagged"] == 1.0
    assert said["highest"] < said["threshold"] <= said["highest"] + 1e-5 and said["needed"] == 298
    text_said = codeorigin("calibrate", cwd=repo).stdout
    assert "Of this repository's 1 people's commit of before 2022-06-21" in text_said
    assert "--write raises this repository's to" in text_said
    assert codeorigin("calibrate", "--write", cwd=repo).returncode == 0  # no language bound: this alone
    toml = (repo / ".codeorigin.toml").read_text()
    assert f'commits = {{ threshold = {said["threshold"]}, commits = 1, basis = "highest" }}' in toml
    after = codeorigin("scan", ".", "--format", "json", "--exit-zero", cwd=repo)
    assert not [s for f in json.loads(after.stdout)["files"] for s in f["spans"] if "with_commit" in s]
    words = codeorigin("scan", ".", "--exit-zero", cwd=repo).stdout
    assert ("a commit's functions judged together at " in words
            and "above the highest of this repository's 1 people's commits of before 2022-06-21" in words)  # fmt: skip


@pytest.mark.parametrize("entry, said", [
    ('commits = { threshold = 0.95, commits = 3, basis = "guess" }', "basis 'guess' is not one"),
    ('commits = { threshold = 1.5, commits = 3, basis = "highest" }', "a threshold from 0 to 1"),
])  # fmt: skip
def test_a_malformed_commit_threshold_in_the_calibration_is_refused(
    tmp_path: Path, entry: str, said: str
) -> None:
    repo = history(tmp_path / "repo", old=40, agent=2)
    (repo / ".codeorigin.toml").write_text(
        f'[calibration]\nmodel = "m"\ndigest = "0123456789abcdef"\n{entry}\n')
    done = codeorigin("scan", ".", cwd=repo)
    assert done.returncode == 2 and said in done.stderr and "Traceback" not in done.stderr
