"""The stacker (`fit.stacker`) and the stacked model command (`export.stacked`), end to end on a
tiny frame: folds by group, learned weights, per-language thresholds and abstain, the folder with
its parity checks, loaded by the runtime."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from codeorigin_train.fit.stacker import (
    fit_stacker,
    group_folds,
    language_thresholds,
    min_humans,
)


def test_folds_keep_each_group_whole_and_cover_every_row() -> None:
    groups = [f"repo{i % 13}" for i in range(200)]
    folds = group_folds(groups, 5, seed=1)
    assert sorted(np.concatenate(folds).tolist()) == list(range(200))
    seen: dict[str, int] = {}
    for k, rows in enumerate(folds):
        for r in rows:
            assert seen.setdefault(groups[r], k) == k
    sizes = [len(f) for f in folds]
    assert max(sizes) - min(sizes) <= 16  # dealt by size: no fold holds most of the rows


def test_the_stacker_learns_which_member_to_trust() -> None:
    rng = np.random.default_rng(0)
    n = 600
    y = rng.integers(0, 2, n)
    members = {
        "transformer": rng.normal(size=n),  # noise
        "linear": 3.0 * (y - 0.5) + rng.normal(size=n),  # informative
    }
    languages = np.where(rng.random(n) < 0.5, "python", "java")
    fit = fit_stacker(members, languages, y, [f"g{i // 3}" for i in range(n)], folds=5)
    assert fit.weights["linear"] > 5 * abs(fit.weights["transformer"])
    assert set(fit.languages) == {"java", "python"}
    assert fit.oof_logits.shape == (n,) and fit.folds == 5
    p = fit.probability(fit.oof_logits)
    assert ((p > 0.5) == y).mean() > 0.85
    stacked = fit.logits(members, languages.tolist())
    manual = fit.bias + sum(fit.weights[m] * members[m] for m in members)
    manual += np.asarray([fit.languages[x] for x in languages])
    assert np.allclose(stacked, manual)


def test_language_thresholds_hold_1_percent_or_abstain() -> None:
    rng = np.random.default_rng(1)
    assert min_humans(0.01, 0.95) == 299
    rows = []
    for lang, humans, llms, sep in (("python", 800, 400, 4.0), ("go", 50, 50, 4.0),
                                    ("java", 800, 400, 0.0), ("c", 800, 0, 0.0)):  # fmt: skip
        rows += [(lang, 0, x) for x in rng.normal(0, 1, humans)]
        rows += [(lang, 1, x) for x in rng.normal(sep, 1, llms)]
    frame = pd.DataFrame(rows, columns=["language", "label", "logit"])
    p = 1 / (1 + np.exp(-frame["logit"].to_numpy()))
    th = language_thresholds(p, frame["label"], frame["language"].tolist())
    assert set(th.languages) == {"python"}
    py = th.languages["python"]
    humans = p[(frame["language"] == "python") & (frame["label"] == 0)]
    assert (humans >= py["llm"]).mean() <= 0.01
    assert py["recall"] >= 0.3
    assert "needs 299" in th.abstain["go"]
    assert "catches" in th.abstain["java"]  # no signal: recall below the bar
    assert "no LLM-written rows" in th.abstain["c"]  # its recall cannot be measured
    assert th.llm >= py["llm"]


def test_unseen_sources_humans_raise_a_threshold_only_as_far_as_the_recall_bar() -> None:
    """Humans of a source the model never saw score higher than the held-out ones: as a floor
    they raise the threshold toward 1% of them, but never so far that the language stops
    catching 30% of its LLM rows (it would fall silent)."""
    rng = np.random.default_rng(2)
    humans, llms = rng.normal(0, 1, 1000), rng.normal(3, 1, 500)
    p = 1 / (1 + np.exp(-np.concatenate([humans, llms])))
    y = np.r_[np.zeros(1000), np.ones(500)].astype(int)
    langs = ["python"] * 1500

    def unseen(shift: float) -> tuple[np.ndarray, list[str]]:
        return 1 / (1 + np.exp(-rng.normal(shift, 1, 1000))), ["python"] * 1000

    plain = language_thresholds(p, y, langs).languages["python"]
    mild = language_thresholds(p, y, langs, unseen=unseen(0.5)).languages["python"]
    assert plain["llm"] < mild["llm"]  # raised: 1% of the new source's humans at most
    assert mild["unseen_source_humans"]["fpr"] <= 0.01 and mild["recall"] >= 0.3
    harsh = language_thresholds(p, y, langs, unseen=unseen(2.5))
    assert harsh.languages["python"]["recall"] == pytest.approx(0.3, abs=0.003)  # stops at the bar
    assert harsh.languages["python"]["unseen_source_humans"]["fpr"] > 0.01  # and says what it costs
    # Too few held-out humans of its own to bound 1%: the unseen sources' humans lend theirs.
    few = np.r_[p[:200], p[1000:]]
    y_few, l_few = np.r_[y[:200], y[1000:]], ["java"] * 700
    assert "needs 299" in language_thresholds(few, y_few, l_few).abstain["java"]
    lent = language_thresholds(few, y_few, l_few, unseen=(unseen(0.0)[0], ["java"] * 1000))
    assert lent.languages["java"]["functions"] == 1200 and lent.languages["java"]["recall"] >= 0.3


def test_the_stack_command_writes_a_folder_the_runtime_loads(
    tiny_model_dir: Path, tmp_path: Path
) -> None:
    from codeorigin.engine.scoring import Engine
    from codeorigin.model.manifest import load_manifest
    from codeorigin.model.scorer import Model
    from codeorigin_train.export.stacked import main
    from helpers.stackedmodel import planted_frame

    dataset = tmp_path / "dataset.parquet"
    frame = planted_frame(200)
    frame["repo"] = frame["group"]
    # The train rows stand for the agentic corpus (cross-fitted by repository), the validation
    # rows for real-project code: the thresholds are set on both sets' human rows.
    frame["source"] = np.where(frame["split"] == "train", "aidev", "realcode")
    frame.to_parquet(dataset)
    out, work = tmp_path / "stacked", tmp_path / "work"
    argv = ["--dataset", str(dataset), "--transformer", str(tiny_model_dir), "--out", str(out),
            "--work", str(work), "--folds", "3", "--name", "tiny-stack"]  # fmt: skip
    assert main(argv) == 0
    report = json.loads((work / "stack.json").read_text())
    assert report["parity"]["linear_max_abs_diff"] <= 1e-5
    assert report["parity"]["stacked_max_abs_diff"] <= 1e-4
    assert set(report["stacker"]["weights"]) == {"transformer", "linear"}
    # 20 validation and 60 cross-fitted human functions: too few to bound 1% with 95% confidence.
    assert report["abstain"]["python"].startswith("80 held-out human functions")
    assert load_manifest(out).raw["stacking"]["crossfit_rows"] == 120
    assert (work / "transformer-logits.parquet").is_file()  # a second run scores nothing again
    manifest = load_manifest(out)
    assert manifest.raw["format_version"] == 2 and manifest.stacked is not None
    assert set(manifest.raw["files"]) >= {"model.onnx", "tokenizer.json", "linear.npz"}
    assert manifest.abstain == report["abstain"]
    features = manifest.stacked.linear["features"]
    assert features["version"] == 2 and features.get("syntax_ngrams", [0, 0]) == [0, 0]
    model = Model.load(out)
    results = Engine(model).analyze(frame["code"].iloc[0], "python")
    assert results and all(r.verdict == "not_judged" for r in results)
    (score,) = model.score_texts([frame["code"].iloc[0]], ["python"])
    assert np.isfinite(score.logit) and dict(score.members).keys() == {"transformer", "linear"}


def test_the_stack_command_adds_a_route_for_project_code(
    tiny_model_dir: Path, tmp_path: Path
) -> None:
    """`stack --project-route FPR --agentic-route`: a domain model, the route's stacker of the
    linear and agentic members and its thresholds on the project rows, the members folded into
    `route.npz`, a format-4 folder whose runtime logits match training's (parity), and the
    runtime flags project code by the route where its evidence says more."""
    from codeorigin.model.manifest import load_manifest
    from codeorigin.model.scorer import Model
    from codeorigin_train.export.stacked import main
    from helpers.stackedmodel import planted_frame, project_function

    frame = planted_frame(1000)
    frame["repo"] = frame["group"]
    project = frame["group"].str[1:].astype(int) % 2 == 0
    frame.loc[project, "code"] = frame.loc[project, "code"].map(project_function)
    # Repository code: the agentic corpus in the train split (cross-fitted), real-project code
    # in the others; the rest is contest code.
    frame["source"] = np.where(project, np.where(frame["split"] == "train", "aidev", "realcode"),
                               "planted")  # fmt: skip
    frame.to_parquet(tmp_path / "dataset.parquet")
    out, work = tmp_path / "stacked", tmp_path / "work"
    argv = ["--dataset", str(tmp_path / "dataset.parquet"), "--transformer", str(tiny_model_dir),
            "--out", str(out), "--work", str(work), "--folds", "3", "--max-fpr", "0.05",
            "--project-route", "0.05", "--agentic-route"]  # fmt: skip
    assert main(argv) == 0
    report = json.loads((work / "stack.json").read_text())
    route = report["route"]
    assert sorted(route["stacker"]["weights"]) == ["agentic", "linear"]
    assert route["languages"] == ["python"] and route["project_humans"] >= 59
    assert route["per_language"][0]["fpr"] <= 0.05
    assert report["parity"]["stacked_max_abs_diff"] <= 1e-4  # the routed logits, both sides
    manifest = load_manifest(out)
    assert manifest.raw["format_version"] == 4
    assert {"domain.npz", "route.npz"} <= set(manifest.raw["files"])
    assert manifest.raw["stacking"]["route"]["max_fpr"] == 0.05
    assert manifest.raw["stacking"]["route"]["members"] == ["agentic", "linear"]
    assert manifest.stacked is not None and manifest.stacked.route is not None
    assert manifest.stacked.route.member == {"file": "route.npz",
                                             "features": manifest.stacked.linear["features"]}
    assert manifest.stacked.route.stacker.weights["transformer"] == 0.0
    # The gate: the 5% quantile of the validation rows' repository humans' domain logits.
    assert manifest.stacked.route.gate == route["gate"] >= 0.0
    model = Model.load(out)
    codes = frame.loc[frame["split"] == "test", "code"].tolist()
    scores = model.score_texts(codes, ["python"] * len(codes))
    gated = [model.linear_logits(c, "python")[1] for c in codes]
    assert all(g is not None for g in gated)
    is_project = frame.loc[frame["split"] == "test", "code"].str.contains("logger.info").tolist()
    agree = np.mean([(g >= 0.0) == p for g, p in zip(gated, is_project)])
    assert agree > 0.95  # the domain model tells the kinds of code apart
    assert {s.route for s, p in zip(scores, is_project) if not p} == {""}
    # Without the options the same command writes format 2, and no route file is left behind.
    assert main([*argv[:-3], "--force"]) == 0
    assert load_manifest(out).raw["format_version"] == 2
    assert not (out / "domain.npz").exists() and not (out / "route.npz").exists()
    with pytest.raises(SystemExit, match="go together: give both"):
        main([*argv[:-3], "--agentic-route", "--force"])
    with pytest.raises(SystemExit, match="go together: give both"):  # the linear-only route left
        main([*argv[:-1], "--force"])
    # No agentic corpus to train the agentic member on: a clear message.
    frame["source"] = frame["source"].replace("aidev", "realcode")
    frame.to_parquet(tmp_path / "no-agentic.parquet")
    argv[1] = str(tmp_path / "no-agentic.parquet")
    with pytest.raises(SystemExit, match="needs agentic rows of both labels"):
        main([*argv, "--force"])


def test_the_route_members_fold_into_one_linear_member(tmp_path: Path) -> None:
    """`export.route.folded_member`: a weighted sum of two regressions over the same features is
    one linear member whose runtime logit is that sum."""
    from codeorigin.core.features import FeatureConfig
    from codeorigin.core.normalize import normalize_text
    from codeorigin.model.linear import LinearMember
    from codeorigin_train.export.route import folded_member
    from codeorigin_train.variants.linear import Linear, LinearConfig
    from helpers.stackedmodel import BUCKET_BITS, planted_frame

    frame = planted_frame(120)
    variant = Linear("linear", LinearConfig(features=FeatureConfig(bucket_bits=BUCKET_BITS)))
    x = variant.matrix(frame["code"].tolist(), frame["language"].tolist())
    variant.model = variant.fit_matrix(x, frame["label"])
    other = variant.fit_matrix(x[:60], frame["label"].iloc[:60])
    folded_member(variant, other, {"linear": 0.3, "agentic": 1.7}, tmp_path / "route.npz")
    member = LinearMember.from_file(tmp_path / "route.npz")
    got = member.logits([normalize_text(c) for c in frame["code"]], frame["language"].tolist())
    want = 0.3 * variant.model.decision_function(x) + 1.7 * other.decision_function(x)
    assert np.max(np.abs(got - want)) < 1e-9


def test_fragments_train_the_linear_member_of_the_stack(tmp_path: Path) -> None:
    """`stack --fragments`: the lines the agentic train repositories' changes added train the
    linear member (a word only the agents' fragments use pushes it up), and the cross-fitted rows
    are the same rows either way (which fragments join a fold: `test_protocol.py`)."""
    from codeorigin_train.export.stacked import linear_member
    from helpers.stackedmodel import planted_frame

    frame = planted_frame(200)
    frame["repo"] = frame["group"]
    frame["source"] = np.where(frame["split"] == "train", "aidev", "realcode")
    train_repos = sorted(set(frame.loc[frame["split"] == "train", "repo"]))
    rows = []
    for i, repo in enumerate(train_repos * 3):
        label = i % 2
        word = "quokka" if label else "plain"
        rows.append({"code": f"    {word}_total = {word}_sum(values, {i})\n    return {word}_total\n",
                     "label": label, "language": "python", "source": "aidev-fragment", "repo": repo})  # fmt: skip
    fragments = pd.DataFrame(rows)
    probe = ["def f(values):\n    quokka_total = quokka_sum(values, 3)\n    return quokka_total\n"]
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    plain, rows_a, oof_a, *_ = linear_member(frame, tmp_path / "a", 3, fragments=None, unseen=False)
    fed, rows_b, oof_b, *_ = linear_member(
        frame, tmp_path / "b", 3, fragments=fragments, unseen=False
    )
    assert (
        fed.predict_logits(probe, ["python"])[0] > plain.predict_logits(probe, ["python"])[0] + 0.5
    )  # type: ignore[call-arg]
    assert rows_a.index.equals(rows_b.index) and len(oof_a) == len(oof_b) == 120
    assert not (
        oof_a == oof_b
    ).all()  # each cross-fitting fold trained on its repositories' fragments


def test_unseen_source_humans_are_scored_by_a_member_that_never_saw_their_source() -> None:
    from codeorigin_train.fit.unseen import unseen_source_rows

    rows = []
    for source in ("contest-a", "contest-b", "aidev"):
        for i in range(80):
            rows.append({"code": f"{source} {i}", "label": i % 2, "language": "python",
                         "source": source, "group": f"{source}-{i // 8}", "split": "train"})  # fmt: skip
    # A problem shared by both contest sources: held out with either.
    rows.append({"code": "shared", "label": 0, "language": "python", "source": "contest-b",
                 "group": "contest-a-0", "split": "train"})  # fmt: skip
    train = pd.DataFrame(rows)
    fits: list[pd.DataFrame] = []

    def fit_member(frame: pd.DataFrame):  # type: ignore[no-untyped-def]
        fits.append(frame)
        k = len(fits) - 1
        return lambda f: np.full(len(f), float(k))

    scored, logits = unseen_source_rows(train, train, fit_member)
    assert set(scored["source"]) == {"contest-a", "contest-b"}  # repository code is cross-fitted
    assert (scored["label"] == 0).all() and len(scored) == 81
    for (_, row), k in zip(scored.iterrows(), logits.astype(int)):
        seen = fits[k]
        assert row["source"] not in set(seen["source"]) and row["group"] not in set(seen["group"])
    assert "contest-a-0" not in set(fits[0]["group"]) | set(fits[1]["group"])


def test_the_stack_command_sets_thresholds_on_unseen_sources_humans(
    tiny_model_dir: Path, tmp_path: Path
) -> None:
    """Human code of a source the linear member learned as human reads as LLM-written to a member
    that never saw it: with `--unseen-source-humans` the threshold rises to keep it unflagged."""
    from codeorigin.model.manifest import load_manifest
    from codeorigin_train.export.stacked import main
    from helpers.stackedmodel import planted_frame

    frame = planted_frame(400)
    # A second source whose people write the planted docstring: human code that looks like the
    # LLM rows of the first source.
    look = frame["source"].index % 8 == 0
    frame.loc[look, "source"] = "lookalike"
    frame.loc[look, "label"] = 0
    frame.loc[look, "group"] = "look-" + frame.loc[look, "group"]
    frame.loc[look, "code"] = frame.loc[look, "code"].str.replace(
        ":\n", ':\n    """Compute the result."""\n', n=1, regex=False
    )
    dataset = tmp_path / "dataset.parquet"
    frame.to_parquet(dataset)
    thresholds = {}
    for name, flag in (("plain", []), ("unseen", ["--unseen-source-humans", "floor"])):
        out, work = tmp_path / name, tmp_path / f"work-{name}"
        # A 10% bound and a 5% recall bar: 80 held-out humans cannot bound 1%, and the tiny
        # model would not judge Python.
        argv = ["--dataset", str(dataset), "--transformer", str(tiny_model_dir), "--out",
                str(out), "--work", str(work), "--folds", "3", "--crossfit-folds", "0",
                "--max-fpr", "0.1", "--min-recall", "0.05", *flag]  # fmt: skip
        assert main(argv) == 0
        stacking = load_manifest(out).raw["stacking"]
        thresholds[name] = load_manifest(out).raw["thresholds"]["llm"]
    # Without "planted", the rest is human code only: no member to fit, that source is left out.
    assert stacking["unseen_source_humans"] == int((look & (frame["split"] != "test")).sum())
    assert "fitted without that source" in stacking["thresholds_on"]
    assert thresholds["unseen"] > thresholds["plain"]


def test_the_stack_command_bounds_thresholds_on_repositories_with_group_bound(
    tiny_model_dir: Path, tmp_path: Path
) -> None:
    """`stack --group-bound`: the held-out people of a few repositories do not pass for many
    separate people; a language whose people come from fewer than 19 abstains and says why, and
    the manifest records the rule. Without it, the same rows set a threshold."""
    from codeorigin.model.manifest import load_manifest
    from codeorigin_train.export.stacked import main
    from helpers.stackedmodel import planted_frame

    frame = planted_frame(400)
    held = frame["split"] == "val"
    frame.loc[held, "group"] = "r" + (frame.index[held] // 2 % 6).astype(str)  # six repositories
    dataset = tmp_path / "dataset.parquet"
    frame.to_parquet(dataset)
    manifests = {}
    for name, flag in (("rows", []), ("groups", ["--group-bound"])):
        argv = ["--dataset", str(dataset), "--transformer", str(tiny_model_dir), "--out",
                str(tmp_path / name), "--work", str(tmp_path / f"work-{name}"), "--folds", "3",
                "--crossfit-folds", "0", "--max-fpr", "0.1", "--min-recall", "0.05", *flag]  # fmt: skip
        assert main(argv) == 0
        manifests[name] = load_manifest(tmp_path / name).raw
    assert "python" in manifests["rows"]["thresholds"]["languages"]
    assert "group_bound" not in manifests["rows"]["stacking"]
    why = manifests["groups"]["abstain"]["python"]
    assert "come from 6 repositories or problems" in why and "needs 19" in why
    assert manifests["groups"]["stacking"]["group_bound"] is True


def test_exporting_a_transformer_never_replaces_a_stacked_model(tmp_path: Path) -> None:
    """`codeorigin-train ship`/`all` write a transformer model folder; pointed at the shipped
    stacked folder they stop with a message instead of dropping its members and stacker."""
    from codeorigin_train.export.shipping import refuse_stacked

    root = Path(__file__).resolve().parents[2]
    with pytest.raises(SystemExit, match="holds a stacked model"):
        refuse_stacked(root / "models" / "default")
    refuse_stacked(tmp_path)  # an empty folder: nothing to lose
