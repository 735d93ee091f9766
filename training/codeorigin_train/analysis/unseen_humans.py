"""Which people's code of a source it never saw would a model flag: by language, length and source.

    codeorigin-train unseen-humans --work training/work/stacked-uf --model models/default \\
        --out training/work/unseen-humans.json

A user's code is a source the model never trained on. `stack --unseen-source-humans` scores each
contest and exercise source's human rows (train and validation splits) with a linear member
fitted without that source and writes them, with both members' logits, into its work folder
(`fit.unseen.SCORED_FILE`). This reads them and a model folder, stacks and calibrates the logits
with that model's stacker and calibration, and judges each row as the runtime would: the
too-short guard (`engine.VerdictRules`: 3 statement lines, 8 tokens), the languages the model
does not judge, each language's threshold. It reports the share of judged human rows flagged per
language, per statement-line bin (is short code, which passes the guard, flagged more?) and per
source. The transformer member saw every source, so these rates are a lower bound of what a
source new to both members gets. No fitting: seconds.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from codeorigin.core import languages
from codeorigin.core.spans import Content, content_of, extract_spans
from codeorigin.engine.judging import VerdictRules
from codeorigin.model.manifest import Manifest, ModelError, load_manifest, sha256_file
from codeorigin_train.data.inputs import InputError, model_folder, read_parquet
from codeorigin_train.fit.unseen import SCORED_FILE

#: Statement-line bins: (label, first, last).
BINS = (("3", 3, 3), ("4", 4, 4), ("5", 5, 5), ("6-8", 6, 8), ("9-15", 9, 15), ("16+", 16, None))
COLUMNS = ("code", "source", "language", "transformer", "linear")


def guarded(code: str, language: str) -> Content:
    """What the too-short guard counts in a row, as a scan of it would: of a row that is one
    function, its body (never its signature); of any other (a script, a class, several
    functions), the whole text."""
    canonical = languages.canonical(language)
    spans = extract_spans(code, canonical) if canonical else []
    if len(spans) == 1 and spans[0].kind != "module":
        return Content(spans[0].statement_lines, spans[0].content_tokens)
    return content_of(code, language)


def judge(
    rows: pd.DataFrame, manifest: Manifest, rules: VerdictRules | None = None
) -> pd.DataFrame:
    """`rows` with `probability`, `lines` (statement lines, as `guarded` counts them), `judged`
    and `flagged` as `manifest`'s model and the runtime's rules make them."""
    rules = rules or VerdictRules()
    spec = manifest.stacked
    if spec is None:
        raise InputError(f"--model {manifest.folder}: not a stacked model (no stacker to apply)")
    langs = rows["language"].astype(str).tolist()
    z = np.array([
        spec.stacker.logit({"transformer": t, "linear": lin}, lang)
        for t, lin, lang in zip(rows["transformer"], rows["linear"], langs, strict=True)
    ])  # fmt: skip
    cal = manifest.calibration
    p = 1.0 / (1.0 + np.exp(-(cal.a * z + cal.b)))
    contents = [guarded(code, lang) for code, lang in zip(rows["code"], langs, strict=True)]
    llm = np.array([manifest.thresholds.for_language(lang)[0] for lang in langs])
    judged = np.array(
        [rules.judges(c) and lang not in manifest.abstain for c, lang in zip(contents, langs)]
    )
    return rows.assign(
        probability=p,
        lines=[c.statement_lines for c in contents],
        judged=judged,
        flagged=judged & (p >= llm),
    )


def _share(rows: pd.DataFrame) -> dict[str, Any]:
    judged = rows[rows["judged"]]
    n, k = len(judged), int(judged["flagged"].sum())
    return {"judged": n, "flagged": k, "share": round(k / n, 4) if n else None}


def measure(judged: pd.DataFrame, manifest: Manifest) -> dict[str, Any]:
    """Per language (judged ones only), per statement-line bin of it and per source: judged human
    rows, how many are flagged and their share."""
    out: dict[str, Any] = {"model": manifest.name, "rows": len(judged), "languages": {}}
    for language, rows in judged.groupby("language"):
        language = str(language)
        if language in manifest.abstain:
            out["languages"][language] = {"not_judged": manifest.abstain[language]}
            continue
        out["languages"][language] = {
            "threshold": manifest.thresholds.for_language(language)[0],
            "too_short": int((~rows["judged"]).sum()),
            **_share(rows),
            "by_statement_lines": _bins(rows),
            # each source's share, and its bins (JSON only: CodeNet's short scripts)
            "by_source": {
                str(s): {**_share(g), "by_statement_lines": _bins(g)}
                for s, g in rows.groupby("source")
            },
        }
    return out


def _bins(rows: pd.DataFrame) -> dict[str, dict[str, Any]]:
    out = {}
    for label, first, last in BINS:
        inside = (rows["lines"] >= first) & (rows["lines"] <= (last or np.inf))
        out[label] = _share(rows[inside])
    return out


def _percent(share: dict[str, Any]) -> str:
    if not share["judged"]:
        return "-"
    return f"{share['share']:.1%} ({share['flagged']} of {share['judged']:,})"


def render(result: dict[str, Any]) -> str:
    """The figures as markdown tables, one per judged language."""
    lines = [f"Model {result['model']}: human rows of sources its linear member never saw."]
    for language, fig in result["languages"].items():
        if "not_judged" in fig:
            lines += ["", f"{language}: not judged ({fig['not_judged']})"]
            continue
        lines += ["", f"{language} (threshold {fig['threshold']:.1%}; {fig['too_short']} too short "
                  f"to judge): {_percent(fig)} flagged", "", "| statement lines | flagged |",
                  "|---|---:|"]  # fmt: skip
        lines += [f"| {label} | {_percent(s)} |" for label, s in fig["by_statement_lines"].items()]
        lines += ["", "| source | flagged |", "|---|---:|"]
        lines += [f"| {source} | {_percent(s)} |" for source, s in fig["by_source"].items()]
    return "\n".join(lines)


def _checked(rows: pd.DataFrame, path: Path) -> pd.DataFrame:
    """`rows` when each logit is a finite number and each text column holds text; `InputError`
    naming the column otherwise (a damaged file must not count its rows as not flagged)."""
    for column in ("transformer", "linear"):
        values = pd.to_numeric(rows[column], errors="coerce").to_numpy(dtype=float)
        bad = int((~np.isfinite(values)).sum())
        if bad:
            raise InputError(f"{path}: {bad} row(s) of column {column} are not finite numbers")
        rows = rows.assign(**{column: values})
    for column in ("code", "source", "language"):
        bad = int((~rows[column].map(lambda v: isinstance(v, str))).sum())
        if bad:
            raise InputError(f"{path}: {bad} row(s) of column {column} are not text")
    return rows


def run(args: argparse.Namespace) -> dict[str, Any]:
    folder = model_folder(args.model, "--model")
    try:
        manifest = load_manifest(folder)
    except ModelError as exc:
        raise InputError(f"--model {folder}: {exc}") from None
    scored = args.work / SCORED_FILE
    if args.out is not None:  # the report never replaces what it reads
        out = args.out.resolve()
        read = scored if out == scored.resolve() else None
        if read is None and out.is_relative_to(folder.resolve()):
            read = f"a file of the model folder {folder}"
        if read is not None:
            raise InputError(f"--out {args.out} would write over {read}: give another file")
    rows = _checked(read_parquet(scored, "the unseen sources' scored humans",
                                 hint="`codeorigin-train stack --unseen-source-humans floor "
                                 f"--work {args.work}` writes it", columns=COLUMNS), scored)  # fmt: skip
    linear = manifest.stacked.linear.get("file", "") if manifest.stacked else ""
    fitted, member = args.work / "linear" / "linear.npz", folder / str(linear)
    if (
        linear
        and fitted.is_file()
        and member.is_file()
        and sha256_file(member) != sha256_file(fitted)
    ):
        print(f"warning: {folder}'s linear member is not the one fitted in {args.work}: its "
              "stacker weighs logits of another member", file=sys.stderr)  # fmt: skip
    return measure(judge(rows, manifest), manifest)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="codeorigin-train unseen-humans", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--work", type=Path, required=True,
                        help=f"the work folder of `codeorigin-train stack` (its {SCORED_FILE})")  # fmt: skip
    parser.add_argument("--model", type=Path, default=Path("models/default"),
                        help="the stacked model folder whose stacker, calibration and thresholds "
                        "judge the rows (default: models/default)")  # fmt: skip
    parser.add_argument("--out", type=Path, default=None, help="also write the figures as JSON")
    args = parser.parse_args(argv)
    result = run(args)
    if args.out is not None:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(render(result))
    return 0


if __name__ == "__main__":
    from codeorigin_train.data.inputs import module_entry

    raise SystemExit(module_entry("codeorigin_train.analysis.unseen_humans", main))
