"""`codeorigin-train change-verdict` end to end on a small folder laid out as the shared AIDev
one (agent PRs and human commits of the same repositories, each a `git diff` patch and its
post-images), made here with real git: it writes the `change` key into the model's manifest, its
figures into `metrics.json` and the model card, and `codeorigin scan --diff` then judges changes
with it."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

from helpers.gitrepo import APP, FRESH, OTHER, git, init_repo

ROOT = Path(__file__).resolve().parents[2]


def _change(data: Path, side: str, repo: str, name: str, before: str, after: str) -> dict:
    """One change of `repo` as the AIDev folder stores it: its patch and its post-image."""
    work = init_repo(data / "scratch" / repo / name)
    (work / "src").mkdir()
    (work / "src" / "mod.py").write_text(before)
    git(work, "add", ".")
    git(work, "commit", "-qm", "before")
    (work / "src" / "mod.py").write_text(after)
    git(work, "commit", "-qam", "after")
    sha = git(work, "rev-parse", "HEAD").strip()
    folder = f"{side}/{repo.replace('/', '+')}"
    patch = f"{folder}/{name}.patch"
    (data / folder).mkdir(parents=True, exist_ok=True)
    (data / patch).write_text(git(work, "diff", "-U3", "HEAD~1", "HEAD"))
    post = data / folder / "post" / sha / "src" / "mod.py"
    post.parent.mkdir(parents=True)
    post.write_text(after)
    return {"repo": repo, "patch": patch, "post_images": [str(post.relative_to(data))], "sha": sha}


def aidev_folder(data: Path) -> None:
    agent, human = [], []
    for k, repo in enumerate(["org/alpha", "org/beta", "org/gamma", "org/delta"]):
        for i in range(3):
            edited = APP.replace("total = 0", f"total = {i + k}")
            row = _change(data, "aidev-upstream", repo, f"pr-{i}", APP, edited + FRESH)
            agent.append({**row, "agent": "Devin", "number": i})
            row = _change(data, "human-commits", repo, f"commit-{i}", OTHER,
                          OTHER.replace("c * 2", f"c * {i + 3}") + APP)  # fmt: skip
            human.append(row)
    (data / "index.jsonl").write_text("".join(json.dumps(r) + "\n" for r in agent))
    (data / "human-commits" / "index.jsonl").write_text(
        "".join(json.dumps(r) + "\n" for r in human)
    )


def test_change_verdict_calibrates_a_model_folder(tmp_path: Path, tiny_model_dir: Path) -> None:
    data = tmp_path / "aidev"
    aidev_folder(data)
    model = tmp_path / "model"
    shutil.copytree(tiny_model_dir, model)
    for name in ("metrics.json", "MODEL_CARD.md"):
        shutil.copy(ROOT / "models" / "default" / name, model / name)
    res = subprocess.run(
        [sys.executable, "-m", "codeorigin_train", "change-verdict", "--model", str(model),
         "--data", str(data), "--work", str(tmp_path / "work"), "--threads", "1"],
        capture_output=True, text=True, timeout=900,
    )  # fmt: skip
    assert res.returncode == 0, res.stderr
    change = json.loads((model / "manifest.json").read_text())["change"]
    assert change["rule"] == "mean-logit-by-changed-lines"
    assert change["changes"] == {"llm": 12, "human": 12}
    figures = change["figures"]
    assert figures["repositories"] == 4 and figures["skipped"]["patch_does_not_apply"] == 0
    assert figures["changes"]["n_llm"] == 12 and figures["functions"]["n_llm"] >= 12
    assert change["a"] >= 0.0 and 0.0 <= change["llm"] <= 1.0
    metrics = json.loads((model / "metrics.json").read_text())
    assert metrics["analysis"]["change_verdict"]["figures"] == figures
    card = (model / "MODEL_CARD.md").read_text()
    assert card.count("## A whole change's verdict") == 1
    assert "| changes (pooled) | 12 | 12 |" in card
    name = json.loads((model / "manifest.json").read_text())["name"]
    assert f"Measured on the model `{name}` (" in card  # which model, not "this model"

    # The runtime reads it: a change is judged with the model's change calibration.
    repo = init_repo(tmp_path / "repo")
    (repo / "a.py").write_text(APP)
    git(repo, "add", ".")
    git(repo, "commit", "-qm", "a")
    (repo / "a.py").write_text(APP + FRESH)
    scan = subprocess.run(
        [sys.executable, "-m", "codeorigin", "scan", "--diff", "--format", "json", "--exit-zero",
         "--model", str(model)], cwd=repo, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert scan.returncode == 0, scan.stderr
    assert json.loads(scan.stdout)["change"]["calibrated"] is True

    # Scores are cached: a second run only refits, and gives the same calibration.
    again = subprocess.run(
        [sys.executable, "-m", "codeorigin_train", "change-verdict", "--model", str(model),
         "--data", str(data), "--work", str(tmp_path / "work"), "--dry-run"],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout)["a"] == change["a"]


def test_change_verdict_without_the_data_exits_2(tmp_path: Path, tiny_model_dir: Path) -> None:
    res = subprocess.run(
        [sys.executable, "-m", "codeorigin_train", "change-verdict", "--model",
         str(tiny_model_dir), "--data", str(tmp_path / "nowhere")],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert res.returncode == 2 and "no index.jsonl" in res.stderr


def test_splits_keep_the_repositories_the_corpus_holds_out() -> None:
    """`--splits val test`: only the repositories a stacked model's members never trained on."""
    from codeorigin_train.data.splits import split_of
    from codeorigin_train.evaluation.change_verdict import of_splits

    rows = [{"repo": f"owner/repo{i}", "label": i % 2} for i in range(60)]
    kept = of_splits(rows, ["val", "test"])
    assert 0 < len(kept) < len(rows)
    assert {split_of(r["repo"], 0, (0.6, 0.2, 0.2)) for r in kept} == {"val", "test"}
    assert of_splits(rows, ["train"]) == [r for r in rows if r not in kept]
