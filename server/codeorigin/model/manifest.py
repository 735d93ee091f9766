"""The model folder: its manifest, file digests and format checks.

A model folder holds `manifest.json`, the ONNX graph(s), the tokenizer and `MODEL_CARD.md`. The
manifest names every file with its SHA-256, so a truncated download or a file swapped by hand is
caught before onnxruntime sees it, and it records the normalisation version the model was trained
with. `load_manifest` raises `ModelError` with a message a user can act on.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from codeorigin.core import reference
from codeorigin.core.change import ChangeCalibration
from codeorigin.core.change import from_manifest as change_calibration
from codeorigin.core.fields import file_name, number, section
from codeorigin.core.normalize import NORMALIZATION_VERSION
from codeorigin.core.reference import Reference
from codeorigin.model.stacking import StackedSpec, parse_abstain, parse_stacked

FORMAT = "codeorigin-model"
FORMAT_VERSION = 1  # one transformer
STACKED_FORMAT_VERSION = 2  # members (transformer, linear) and a stacker: `model.stacking`
ROUTED_FORMAT_VERSION = 3  # a stacked model with a route for one kind of code: `model.stacking`
ROUTE_MEMBER_FORMAT_VERSION = 4  # the route with a linear member of its own
STACKS_FORMAT_VERSION = 5  # stacks of their own for some languages
READ_VERSIONS = (FORMAT_VERSION, STACKED_FORMAT_VERSION, ROUTED_FORMAT_VERSION,
                 ROUTE_MEMBER_FORMAT_VERSION, STACKS_FORMAT_VERSION)  # fmt: skip
MANIFEST = "manifest.json"


MAX_LENGTH = 8_192  # tokens a window may have (SmolLM2 takes 8,192; CodeBERT 512)


class ModelError(Exception):
    """The model folder cannot be used; the message says why and what to do."""


@dataclass(frozen=True)
class Calibration:
    """Platt-style map from the model's raw logit to a probability: sigmoid(a * logit + b)."""

    method: str = "identity"
    a: float = 1.0
    b: float = 0.0


@dataclass(frozen=True)
class Thresholds:
    """`llm`: at or above it a span is flagged. `uncertain`: at or above it (and below `llm`) it is
    uncertain; below it the verdict is `human`."""

    llm: float = 0.5
    uncertain: float = 0.5
    #: Thresholds of their own for some languages, calibrated on that language's human code
    #: (`thresholds.languages` in the manifest: {"java": {"llm": ..., "uncertain": ...}}).
    languages: dict[str, tuple[float, float]] = field(default_factory=dict)
    #: A margin above a repository's own median (`thresholds.reference`, `core.reference`):
    #: what `codeorigin calibrate` sets a repository's threshold with where it has no dated
    #: baseline large enough; None: the model has none.
    reference: Reference | None = None
    #: Thresholds of their own for a language's module code (what stands outside its functions:
    #: imports, declarations, a script's statements), bounded on people's module code
    #: (`thresholds.modules`, as `languages`); never below the language's own.
    modules: dict[str, tuple[float, float]] = field(default_factory=dict)
    #: Thresholds of their own for a language's test cases (`case` spans: JavaScript's and
    #: TypeScript's `it(...)`/`test(...)`), bounded on people's test cases over repositories
    #: (`thresholds.cases`); never below the language's own. A language without one has its
    #: test cases not judged.
    cases: dict[str, tuple[float, float]] = field(default_factory=dict)

    def for_language(self, language: str | None) -> tuple[float, float]:
        """(llm, uncertain) for a canonical language id; the model's own for the others."""
        if language is not None and language in self.languages:
            return self.languages[language]
        return self.llm, self.uncertain

    def for_module(self, language: str | None) -> tuple[float, float]:
        """(llm, uncertain) for module code of a canonical language id: its `modules` entry, or
        the language's own (`for_language`), whichever is higher."""
        llm, uncertain = self.for_language(language)
        if language is not None and language in self.modules:
            own_llm, own_uncertain = self.modules[language]
            return max(llm, own_llm), max(uncertain, own_uncertain)
        return llm, uncertain

    def for_kind(self, language: str | None, kind: str = "function") -> tuple[float, float]:
        """(llm, uncertain) for a span of `kind` (a span's kind: `module`, `case`, a function's)
        of a canonical language id: module code's (`for_module`), a test case's (its `cases`
        entry, or the language's own, whichever is higher), or the language's own."""
        if kind == "module":
            return self.for_module(language)
        llm, uncertain = self.for_language(language)
        if kind == "case" and language is not None and language in self.cases:
            own_llm, own_uncertain = self.cases[language]
            return max(llm, own_llm), max(uncertain, own_uncertain)
        return llm, uncertain


def _language_thresholds(raw: Any, key: str = "languages") -> dict[str, tuple[float, float]]:
    """`thresholds.<key>` of a manifest (`languages`, `modules`), checked: probabilities in
    [0, 1] per language."""
    out: dict[str, tuple[float, float]] = {}
    if raw is not None and not isinstance(raw, dict):
        raise ValueError(f"'thresholds.{key}' must be an object, not {raw!r}")
    for language, th in (raw or {}).items():
        where = f"thresholds.{key}.{language}"
        if not isinstance(th, dict):
            raise ValueError(f"'{where}' must be an object, not {th!r}")
        llm = number(th, "llm", where=where + ".")
        uncertain = number(th, "uncertain", llm, where + ".")
        if not (0.0 <= uncertain <= 1.0 and 0.0 <= llm <= 1.0):
            raise ValueError(f"{where} outside [0, 1]")
        out[str(language)] = (llm, min(uncertain, llm))
    return out


@dataclass(frozen=True)
class Manifest:
    """What the runtime needs to know about a model folder."""

    folder: Path
    name: str
    max_length: int
    tokenizer: str
    layout_markers: bool
    scorer: str
    gradient: str | None
    calibration: Calibration
    thresholds: Thresholds
    digest: str  # identifies the model in caches: the manifest's own SHA-256
    ig_steps: int = 32
    #: Members and stacker of a stacked model (format version 2); None for one transformer.
    stacked: StackedSpec | None = None
    #: Languages the model does not judge, with the reason (`abstain`): verdict `not_judged`.
    abstain: dict[str, str] = field(default_factory=dict)
    #: The languages the model was trained on (`languages`); None: not said, every language is
    #: judged. Code of another language gets the verdict `not_judged`.
    trained_on: tuple[str, ...] | None = None
    #: How a change's spans pool into one verdict (`core.change`); the optional `change` key.
    change: ChangeCalibration = field(default_factory=ChangeCalibration)
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def path(self, name: str) -> Path:
        return self.folder / name


def sha256_file(path: Path, chunk: int = 1 << 20) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        while True:
            block = f.read(chunk)
            if not block:
                break
            h.update(block)
    return h.hexdigest()


def installed_model_dirs() -> list[Path]:
    """Where an install from a wheel or a checkout puts the shipped model: the data folders of the
    environment's and the user's install schemes (pyproject.toml's `data-files`)."""
    import sysconfig

    places = []
    for scheme in (None, f"{os.name}_user"):
        try:
            data = sysconfig.get_path("data", scheme) if scheme else sysconfig.get_path("data")
        except KeyError:  # no user scheme on this platform
            continue
        places.append(Path(data) / "share" / "codeorigin" / "models" / "default")
    return places


def default_model_dir() -> Path:
    """The default model: the folder named by the environment variable CODEORIGIN_MODEL, else the
    first `models/default` with a manifest above the package (a checkout's, with an editable
    install), else the one an install put under the environment's `share/codeorigin/models`.
    Without one, the place it should be (the checkout's, else the environment's), which loading
    reports as missing with what to set instead."""
    env = os.environ.get("CODEORIGIN_MODEL")
    if env:
        return Path(env).expanduser()
    here = Path(__file__).resolve()
    candidates = [parent / "models" / "default" for parent in here.parents]
    for candidate in [*candidates, *installed_model_dirs()]:
        if (candidate / MANIFEST).is_file():
            return candidate
    checkout = here.parents[3]  # server/codeorigin/model/ -> the repository, in a checkout
    if (checkout / "pyproject.toml").is_file():
        return checkout / "models" / "default"
    return installed_model_dirs()[0]


def load_manifest(folder: str | Path, *, verify: bool = True) -> Manifest:
    """Read and check `folder/manifest.json`.

    Checks the format and its version, the normalisation version, that every listed file exists
    with its recorded size and SHA-256 (when `verify`), and that the files the runtime needs are
    listed. Raises `ModelError` otherwise.
    """
    folder = Path(folder).expanduser()
    mpath = _manifest_path(folder)
    try:
        raw_bytes = mpath.read_bytes()
        raw = json.loads(raw_bytes.decode("utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ModelError(
            f"{mpath} cannot be read as JSON ({exc}); the model folder is corrupted."
        ) from exc
    _check_versions(raw, mpath)
    files = raw.get("files")
    if not isinstance(files, dict) or not files:
        raise ModelError(f"{mpath} lists no files.")
    try:
        onnx, tok = section(raw, "onnx"), section(raw, "tokenizer")
        scorer, tokenizer = file_name(onnx, "scorer", "onnx."), file_name(tok, "file", "tokenizer.")
        gradient = file_name(onnx, "gradient", "onnx.") if "gradient" in onnx else None
        max_length = raw.get("max_length")
        if not isinstance(max_length, int) or isinstance(max_length, bool):
            raise ValueError(f"'max_length' must be a whole number of tokens, not {max_length!r}")
        calibration, thresholds = _calibration(raw)
        change = change_calibration(raw.get("change"), thresholds.llm, thresholds.uncertain)
        version = raw["format_version"]
        stacked = None
        if version >= STACKED_FORMAT_VERSION:
            stacked = parse_stacked(
                raw,
                routed=version >= ROUTED_FORMAT_VERSION,
                route_member=version >= ROUTE_MEMBER_FORMAT_VERSION,
                stacks=version >= STACKS_FORMAT_VERSION,
            )
        abstain = parse_abstain(raw.get("abstain"))
        trained_on = raw.get("languages")
        if trained_on is not None and (
            not isinstance(trained_on, list) or not all(isinstance(x, str) for x in trained_on)
        ):
            raise ValueError("'languages' must be a list of the language ids the model knows")
        model_name = raw.get("name", folder.name)
        ig_steps = number(section(raw, "attribution", {}), "steps", 32, "attribution.")
        if not math.isfinite(ig_steps) or ig_steps != int(ig_steps):  # int(inf) raises
            raise ValueError(f"'attribution.steps' must be a whole number, not {ig_steps}")
        _check_ranges(model_name, max_length, thresholds, int(ig_steps))
        _check_finite(calibration, stacked, change)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        # AttributeError: a section that is not an object ("calibration": null, "thresholds": [])
        raise ModelError(f"{mpath} is missing or has a bad field: {exc}") from exc
    needed = [scorer, tokenizer] + ([str(gradient)] if gradient else [])
    needed += stacked.files if stacked is not None else []
    for name in needed:
        if name not in files:
            raise ModelError(f"{mpath} does not list {name} under 'files'.")
    if verify:
        _verify_files(folder, files)
    return Manifest(
        folder=folder,
        name=model_name,
        max_length=max_length,
        tokenizer=tokenizer,
        layout_markers=bool(tok.get("layout_markers", False)),
        scorer=scorer,
        gradient=str(gradient) if gradient else None,
        calibration=calibration,
        thresholds=thresholds,
        digest=hashlib.sha256(raw_bytes).hexdigest(),
        ig_steps=int(ig_steps),
        stacked=stacked,
        abstain=abstain,
        trained_on=tuple(trained_on) if trained_on is not None else None,
        change=change,
        raw=raw,
    )


def _calibration(raw: dict[str, Any]) -> tuple[Calibration, Thresholds]:
    """The manifest's `calibration` and `thresholds` (both optional); ValueError naming a field
    of the wrong type."""
    cal = section(raw, "calibration", {})
    calibration = Calibration(
        str(cal.get("method", "identity")),
        number(cal, "a", 1.0, "calibration."),
        number(cal, "b", 0.0, "calibration."),
    )
    th = section(raw, "thresholds", {})
    llm = number(th, "llm", 0.5, "thresholds.")
    uncertain = number(th, "uncertain", llm, "thresholds.")
    return calibration, Thresholds(llm, uncertain, _language_thresholds(th.get("languages")),
                                   reference.parse(th.get("reference")),
                                   _language_thresholds(th.get("modules"), "modules"),
                                   _language_thresholds(th.get("cases"), "cases"))  # fmt: skip


def _manifest_path(folder: Path) -> Path:
    """`folder/manifest.json`, or `ModelError` saying what `folder` is instead of a model folder."""
    try:  # os.stat, not pathlib's is_dir(): that raises where a folder on the path is locked
        os.stat(folder)
    except (FileNotFoundError, NotADirectoryError):
        pass
    except OSError as exc:
        raise ModelError(f"cannot read the model folder {folder}: {exc.strerror or exc}") from exc
    if os.path.isfile(folder):
        raise ModelError(
            f"{folder} is a file: codeorigin.modelPath, --model and CODEORIGIN_MODEL name a model "
            "folder (the one holding manifest.json)."
        )
    if os.path.exists(folder) and not os.path.isdir(folder):  # /dev/null, a FIFO, a socket
        raise ModelError(
            f"{folder} is not a folder: codeorigin.modelPath, --model and CODEORIGIN_MODEL name a "
            "model folder (the one holding manifest.json)."
        )
    if not os.path.isdir(folder):
        if "CODEORIGIN_MODEL" not in os.environ and folder == default_model_dir():
            raise ModelError(
                "the shipped default model was not found: this codeorigin was installed without "
                "it (it ships in a checkout's models/default; `pip install <checkout>` installs "
                "it too). Set codeorigin.modelPath, --model or CODEORIGIN_MODEL to a model "
                f"folder (one with a manifest.json). Looked in: {folder}"
            )
        raise ModelError(
            f"model folder not found: {folder}. Set codeorigin.modelPath, --model or "
            "CODEORIGIN_MODEL to a folder with a manifest.json, or leave them unset for the "
            "shipped default model."
        )
    mpath = folder / MANIFEST
    try:
        os.stat(mpath)
    except (FileNotFoundError, NotADirectoryError):
        pass
    except OSError as exc:  # the folder may not be searched
        raise ModelError(f"cannot read the model folder {folder}: {exc.strerror or exc}") from exc
    if not os.path.isfile(mpath):
        raise ModelError(f"{folder} has no {MANIFEST}: it is not a codeorigin model folder.")
    return mpath


def _check_ranges(name: Any, max_length: int, thresholds: Thresholds, ig_steps: int) -> None:
    """The values a model can only have in range; raises ValueError naming the field."""
    if not isinstance(name, str) or not name.strip():
        raise ValueError(f"'name' must be a non-empty string, not {name!r}")
    if not 8 <= max_length <= MAX_LENGTH:
        raise ValueError(f"'max_length' must be 8 to {MAX_LENGTH:,} tokens, not {max_length:,}")
    if ig_steps < 1:
        raise ValueError(f"'attribution.steps' must be at least 1, not {ig_steps}")
    if not (0.0 <= thresholds.llm <= 1.0 and 0.0 <= thresholds.uncertain <= 1.0):
        raise ValueError(
            f"'thresholds' must be probabilities from 0 to 1, not "
            f"{thresholds.llm} and {thresholds.uncertain}"
        )  # (the languages' own are checked as they are read)


def _check_finite(
    calibration: Calibration, stacked: StackedSpec | None, change: ChangeCalibration
) -> None:
    """The numbers a probability is computed with are finite: JSON's NaN and Infinity load as
    floats, and a score would be "nan%". Raises ValueError naming the field. (Thresholds are
    checked as probabilities, which a NaN is not; the linear member's weights as they load.)"""
    numbers = {"calibration.a": calibration.a, "calibration.b": calibration.b}
    if change.calibrated:
        numbers.update({"change.a": change.a, "change.b": change.b})
    for i, (_, spec) in enumerate(stacked.specs if stacked is not None else []):
        at = f"stacks[{i - 1}]." if i else ""
        stackers = [(f"{at}stacker", spec.stacker)]
        if spec.route is not None:
            numbers[f"{at}route.gate"] = spec.route.gate
            stackers.append((f"{at}route.stacker", spec.route.stacker))
        for where, stacker in stackers:
            numbers[f"{where}.bias"] = stacker.bias
            numbers.update({f"{where}.weights.{k}": v for k, v in stacker.weights.items()})
            numbers.update({f"{where}.languages.{k}": v for k, v in stacker.languages.items()})
    for name, value in numbers.items():
        if not math.isfinite(value):
            raise ValueError(f"'{name}' must be a finite number, not {value}")


def _check_versions(raw: Any, mpath: Path) -> None:
    """The format, its version and the normalisation version; raises `ModelError`."""
    if not isinstance(raw, dict) or raw.get("format") != FORMAT:
        raise ModelError(f"{mpath} is not a codeorigin model manifest (format != {FORMAT!r}).")
    version = raw.get("format_version")
    if isinstance(version, bool) or version not in READ_VERSIONS:  # true is not version 1
        raise ModelError(
            f"{mpath} has format version {raw.get('format_version')!r}; this codeorigin reads "
            f"versions {', '.join(map(str, READ_VERSIONS))} (2: stacked models, 3: with a "
            "route for one kind of code, 4: the route with a member of its own, 5: stacks of "
            "their own for some languages). Upgrade "
            "codeorigin, or use a model exported by this codeorigin version."
        )
    if raw.get("normalization_version") != NORMALIZATION_VERSION:
        raise ModelError(
            f"the model was trained with normalisation version {raw.get('normalization_version')!r}, "
            f"this codeorigin normalises with version {NORMALIZATION_VERSION}: retrain or update."
        )


def _verify_files(folder: Path, files: dict[str, Any]) -> None:
    """Every listed file exists with its recorded size and SHA-256; raises `ModelError`."""
    for name, info in files.items():
        path = folder / name
        if not os.path.isfile(path):
            raise ModelError(f"model file missing: {path}. Reinstall or re-export the model.")
        size = os.stat(path).st_size
        if isinstance(info, dict) and not isinstance(info.get("bytes", 0), int):
            raise ModelError(
                f"{folder / MANIFEST} has a bad field: files.{name}.bytes must be a whole "
                f"number, not {json.dumps(info['bytes'])}; the model folder is corrupted."
            )
        if isinstance(info, dict) and "bytes" in info and info["bytes"] != size:
            raise ModelError(
                f"model file {path} has {size} bytes, the manifest says {info['bytes']}: "
                "it is truncated or was replaced. Reinstall or re-export the model."
            )
        want = info.get("sha256") if isinstance(info, dict) else info
        try:
            differs = bool(want) and sha256_file(path) != want
        except OSError as exc:
            raise ModelError(f"cannot read the model file {path}: {exc.strerror or exc}") from exc
        if differs:
            raise ModelError(
                f"model file {path} does not match its SHA-256 in the manifest: it is corrupted "
                "or was replaced. Reinstall or re-export the model."
            )


def write_manifest(folder: Path, manifest: dict[str, Any]) -> Path:
    """Fill in `files` (size and SHA-256 of each listed file) and write `manifest.json`.

    `manifest["files"]` may be a list of file names; it becomes the digest table. A manifest
    with `stacks` is written as format version 5, one with a `route` as version 3 (4 when the
    route has a `member` of its own), one with a `stacker` as version 2, any other as version 1.
    """
    files = manifest.get("files") or []
    names = list(files.keys()) if isinstance(files, dict) else list(files)
    version = (STACKS_FORMAT_VERSION if "stacks" in manifest
               else ROUTE_MEMBER_FORMAT_VERSION if "member" in (manifest.get("route") or {})
               else ROUTED_FORMAT_VERSION if "route" in manifest
               else STACKED_FORMAT_VERSION if "stacker" in manifest else FORMAT_VERSION)  # fmt: skip
    manifest = {
        "format": FORMAT,
        "format_version": version,
        "normalization_version": NORMALIZATION_VERSION,
        **{k: v for k, v in manifest.items() if k != "files"},
        "files": {
            n: {"sha256": sha256_file(folder / n), "bytes": (folder / n).stat().st_size}
            for n in sorted(names)
        },
    }
    path = folder / MANIFEST
    path.write_text(json.dumps(manifest, indent=2, sort_keys=False) + "\n", encoding="utf-8")
    return path
