"""Paired real-project functions: a real function of a PyPI release, and the bodies that LLMs wrote
for the same signature under the same docstring (EvoCodeBench, DevEval).

Both benchmarks publish only the LLM side: a `completion` (the function body, indented as in its
file) per `namespace` (`package.module[.Class].function`) and per generator and setting. The human
side is the real function in the project's release, so this module

1. reads the tasks in their native formats (DevEval's `data.tar.gz` and prompts, EvoCodeBench's
   completion files, whose namespaces are the only task data in the snapshot);
2. `pin`: picks, per project, the release the benchmark was built from: among the files the PyPI
   simple index lists as uploaded before the benchmark's cut-off (2024-01-01 for DevEval, 2024-04-01
   for EvoCodeBench), the newest of up to `--tries` versions that holds the most benchmark
   functions with the benchmark's parameter list. The choice, its hash and why it was made go into
   `paired.toml` beside this file;
3. `fetch`: downloads the pinned files and checks their sha256;
4. `build`: finds each namespace in its archive (with `ast`), and writes one human row (the real
   function) and one LLM row per generator and setting: the real decorators, signature and
   docstring, then the generated body in place of the real one. A docstring the LLM wrote itself is
   dropped, so both sides carry exactly the real one and only the body differs. Bodies that are
   empty, do not parse, or are identical or nearly identical to the human body are counted and
   dropped; a namespace that cannot be found is counted and never guessed.

Every row's `group` is `real:<project>`, the same group as the project's dated code in the
real-code set, so no project is on both sides of a split. `split_projects` holds out whole projects
for evaluation. The human side is recent (2023/24 releases) and undated with respect to LLMs; it is
kept apart from the dated pre-2021 set (`source = "paired-deveval"` / `"paired-evocodebench"`).

    python -m codeorigin_train.realcode.paired pin   --data-root ../shared/data
    python -m codeorigin_train.realcode.paired fetch --archives training/work/paired/archives
    python -m codeorigin_train.realcode.paired build --data-root ../shared/data \\
        --archives training/work/paired/archives --out training/work/paired.parquet
"""

from __future__ import annotations

import argparse
import ast
import difflib
import hashlib
import io
import json
import logging
import re
import tarfile
import textwrap
import urllib.request
import warnings
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from codeorigin.core.normalize import normalize
from codeorigin_train.realcode.extract import archive_files
from codeorigin_train.realcode.fetch import download, sha256_of

log = logging.getLogger(__name__)

PINS_FILE = Path(__file__).with_name("paired.toml")
DEFAULT_ARCHIVES = Path("training/work/paired/archives")
DEFAULT_OUT = Path("training/work/paired.parquet")
PYPI_SIMPLE = "https://pypi.org/simple"
_SIMPLE_JSON = "application/vnd.pypi.simple.v1+json"

DEVEVAL = "deveval"
EVOCODEBENCH = "evocodebench"
CUTOFFS = {DEVEVAL: "2024-01-01", EVOCODEBENCH: "2024-04-01"}
FOLDERS = {DEVEVAL: "seketeam+DevEval", EVOCODEBENCH: "seketeam+EvoCodeBench"}
COMPLETION_DIRS = {
    DEVEVAL: "Experiments/model_prediction",
    EVOCODEBENCH: "model_completion",
}
# One name per generator: EvoCodeBench and DevEval spell the same OpenAI models differently.
GENERATOR_NAMES = {"gpt-35-1106": "gpt-3.5-turbo-1106", "gpt-4-1106": "gpt-4-1106-preview"}
# Near-identical bodies say nothing about authorship: the LLM reproduced the human code.
MAX_SIMILARITY = 0.9

# DevEval project folders and EvoCodeBench top-level modules whose PyPI name differs. A value of
# None: no release on PyPI holds this code (a research repository); its tasks are counted as
# "no-release".
PYPI_NAMES: dict[str, str | None] = {
    "arctic-latest": "arctic",
    "zxcvbn-python": "zxcvbn",
    "discord-py": "discord.py",
    "twilio-fatisar": "twilio",
    "mongo-doc-manager": "mongo-connector",
    "lux": "lux-api",
    "awesome-autodl": None,
    # EvoCodeBench: top-level modules of its 25 repositories.
    "autorag": "AutoRAG",
    "tanuki": "tanuki.py",
    "nlm_ingestor": "nlm-ingestor",
    "sfast": "stable-fast",
}
# EvoCodeBench namespaces whose top-level module is on PyPI under that name; the others come from
# research repositories (detectron2 forks, NeRF code, agent frameworks) that are not released.
EVO_RELEASED = {
    "litdata",
    "skfolio",
    "autorag",
    "ollama",
    "tanuki",
    "searcharray",
    "nlm_ingestor",
    "scepter",
    "openlogprobs",
    "microsearch",
    "sfast",
}


@dataclass(frozen=True)
class Task:
    """One benchmark function: where it lives and what the benchmark says its signature is."""

    benchmark: str
    namespace: str
    project: str  # the DevEval project folder's name, or EvoCodeBench's top-level module
    pypi: str | None
    rel_path: str = ""  # the file inside the repository, when the benchmark says
    signature: str = ""  # the prompt's `def ...:` line(s), when the benchmark has prompts


@dataclass(frozen=True)
class Completion:
    """One generated body."""

    benchmark: str
    setting: str
    generator: str
    namespace: str
    body: str


@dataclass(frozen=True)
class Pin:
    """The release chosen for one project, and why."""

    project: str
    pypi: str
    version: str
    file: str
    url: str
    sha256: str
    upload_time: str
    matched: int
    tasks: int
    reason: str


@dataclass
class BuildReport:
    """Counts of one build: what was paired and what was dropped, and why."""

    tasks: int = 0
    found: Counter[str] = field(default_factory=Counter)  # per project
    missing: Counter[str] = field(default_factory=Counter)  # reason -> count
    dropped: Counter[str] = field(default_factory=Counter)  # reason -> count
    bodies: Counter[str] = field(default_factory=Counter)  # generator -> kept bodies

    def to_dict(self) -> dict[str, Any]:
        return {
            "tasks": self.tasks,
            "functions_found": sum(self.found.values()),
            "projects": len(self.found),
            "found_per_project": dict(sorted(self.found.items())),
            "missing": dict(self.missing),
            "dropped_bodies": dict(self.dropped),
            "kept_bodies_per_generator": dict(sorted(self.bodies.items())),
        }


# ------------------------------------------------------------------------------------ tasks


def _pypi_name(project: str) -> str | None:
    return PYPI_NAMES.get(project, project)


def _prompt_signature(prompt: str) -> str:
    """The `def` line(s) of a DevEval prompt (the code block, up to its docstring)."""
    m = re.search(r"```Python\n(.*?)```", prompt, re.S)
    if not m:
        return ""
    code = m.group(1)
    sig = re.split(r'\n\s*(?:"""|\'\'\')', code, maxsplit=1)[0]
    return sig.strip("\n")


def deveval_tasks(data_root: Path) -> list[Task]:
    """DevEval's tasks from its `data.tar.gz` (metadata) and prompts (signatures)."""
    folder = data_root / FOLDERS[DEVEVAL]
    prompts: dict[str, str] = {}
    prompt_file = folder / "Experiments/prompt/without_context/gpt-4-1106_prompt.jsonl"
    if prompt_file.exists():
        for line in prompt_file.read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            prompts[row["namespace"]] = _prompt_signature(row["prompt"])
    tasks = []
    with tarfile.open(folder / "data.tar.gz", "r:gz") as tf:
        for member in tf:
            if not (member.isfile() and member.name.endswith(".jsonl")):
                continue
            fh = tf.extractfile(member)
            assert fh is not None
            for line in io.TextIOWrapper(fh, encoding="utf-8"):
                row = json.loads(line)
                project = row["project_path"].rsplit("/", 1)[-1]
                rel = row["completion_path"][len(row["project_path"]) :].lstrip("/")
                tasks.append(
                    Task(
                        DEVEVAL,
                        row["namespace"],
                        project,
                        _pypi_name(project),
                        rel,
                        prompts.get(row["namespace"], ""),
                    )
                )
    return tasks


def _completion_files(data_root: Path, benchmark: str) -> Iterator[tuple[str, str, Path]]:
    """(setting, generator, file) for every greedy completion file of a benchmark."""
    base = data_root / FOLDERS[benchmark] / COMPLETION_DIRS[benchmark]
    for path in sorted(base.glob("*/*_greedy/completion.jsonl")):
        setting = path.parent.parent.name
        generator = path.parent.name.removesuffix("_greedy")
        generator = GENERATOR_NAMES.get(generator, generator)
        yield setting, generator, path


def completions(data_root: Path, benchmark: str) -> Iterator[Completion]:
    """Every greedy completion of a benchmark, as the files hold them (one per namespace)."""
    for setting, generator, path in _completion_files(data_root, benchmark):
        seen: set[str] = set()
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            row = json.loads(line)
            ns = row["namespace"]
            if ns in seen:  # DevEval lists a few namespaces twice
                continue
            seen.add(ns)
            yield Completion(benchmark, setting, generator, ns, row.get("completion") or "")


def evocodebench_tasks(data_root: Path) -> list[Task]:
    """EvoCodeBench's tasks: the namespaces of its completion files (no other task data here)."""
    names: set[str] = set()
    for c in completions(data_root, EVOCODEBENCH):
        names.add(c.namespace)
    tasks = []
    for ns in sorted(names):
        top = ns.split(".", 1)[0]
        pypi = _pypi_name(top) if top in EVO_RELEASED else None
        tasks.append(Task(EVOCODEBENCH, ns, top, pypi))
    return tasks


def all_tasks(data_root: Path) -> list[Task]:
    return deveval_tasks(data_root) + evocodebench_tasks(data_root)


# ------------------------------------------------------------------------------ locating


def _module_candidates(task: Task) -> list[tuple[str, list[str]]]:
    """(file path suffix, qualified name inside the file) pairs to look for, best first."""
    parts = task.namespace.split(".")
    out: list[tuple[str, list[str]]] = []
    if task.rel_path:
        mod = task.rel_path.removesuffix(".py").replace("/", ".")
        mod = mod.removesuffix(".__init__")
        tail = task.namespace
        for prefix in _dotted_suffixes(mod):
            if tail.startswith(prefix + "."):
                out.append((task.rel_path, tail[len(prefix) + 1 :].split(".")))
                break
    for i in range(len(parts) - 1, 0, -1):
        module, qual = parts[:i], parts[i:]
        out.append(("/".join(module) + ".py", qual))
        out.append(("/".join(module) + "/__init__.py", qual))
    return out


def _dotted_suffixes(mod: str) -> Iterator[str]:
    parts = mod.split(".")
    for i in range(len(parts)):
        yield ".".join(parts[i:])


def _find_def(tree: ast.AST, qual: list[str]) -> ast.FunctionDef | ast.AsyncFunctionDef | None:
    """The function at `qual` (Class.method or function) among a module's statements.

    Looks through `if`/`try` blocks at each level (conditional definitions), and takes the last
    definition of a name, as Python does.
    """
    body = getattr(tree, "body", [])
    for i, name in enumerate(qual):
        found: ast.AST | None = None
        for node in _statements(body):
            if getattr(node, "name", None) == name and isinstance(
                node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef
            ):
                found = node
        if found is None:
            return None
        if i == len(qual) - 1:
            return found if isinstance(found, ast.FunctionDef | ast.AsyncFunctionDef) else None
        body = getattr(found, "body", [])
    return None


def _statements(body: list[ast.stmt]) -> Iterator[ast.stmt]:
    for node in body:
        yield node
        if isinstance(node, ast.If | ast.Try):
            for sub in (node.body, getattr(node, "orelse", []), getattr(node, "finalbody", [])):
                yield from _statements(sub)
            for handler in getattr(node, "handlers", []):
                yield from _statements(handler.body)


def _parse(text: str) -> ast.Module | None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return ast.parse(text)
        except (SyntaxError, ValueError):
            return None


def _arg_names(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> list[str]:
    a = fn.args
    names = [x.arg for x in (*a.posonlyargs, *a.args, *a.kwonlyargs)]
    if a.vararg:
        names.append("*" + a.vararg.arg)
    if a.kwarg:
        names.append("**" + a.kwarg.arg)
    return names


def signature_args(signature: str) -> list[str] | None:
    """The parameter names of a prompt's `def` line(s), or None when they do not parse."""
    tree = _parse(textwrap.dedent(signature).strip() + "\n    pass\n")
    if tree is None or not tree.body:
        return None
    fn = tree.body[0]
    return _arg_names(fn) if isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef) else None


@dataclass(frozen=True)
class HumanFunction:
    """A real function: its file, the text from its first decorator to its end, and where its
    body (after the docstring) starts, as line offsets into that text."""

    path: str
    lines: list[str]  # with their file indentation, no line ends
    body_start: int  # index into `lines` of the first statement after the docstring
    args: list[str]


def _human_function(path: str, text: str, fn: ast.FunctionDef | ast.AsyncFunctionDef):
    lines = text.splitlines()
    first = min([d.lineno for d in fn.decorator_list] + [fn.lineno]) - 1
    end = fn.end_lineno or fn.lineno
    body = fn.body
    has_doc = (
        isinstance(body[0], ast.Expr)
        and isinstance(body[0].value, ast.Constant)
        and isinstance(body[0].value.value, str)
    )
    if has_doc and len(body) == 1:
        return None  # a docstring and nothing else: no body to compare
    stmt = body[1] if has_doc else body[0]
    start = stmt.lineno - 1
    # Comments between the docstring (or signature) and the first statement belong to the body.
    prev_end = (body[0].end_lineno if has_doc else _signature_end(fn)) or start
    while start > prev_end and lines[start - 1].strip().startswith("#"):
        start -= 1
    return HumanFunction(path, lines[first:end], start - first, _arg_names(fn))


def _signature_end(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> int:
    """The last line (1-based) of the `def ...:` header: the line before the first statement's."""
    return fn.body[0].lineno - 1


class ArchiveIndex:
    """The Python files of one archive, found by path suffix."""

    def __init__(self, archive: Path) -> None:
        self.files: dict[str, bytes] = {
            rel: data for rel, data in archive_files(archive) if rel.endswith(".py")
        }
        self._trees: dict[str, ast.Module | None] = {}

    def _matching(self, suffix: str) -> list[str]:
        hits = [p for p in self.files if p == suffix or p.endswith("/" + suffix)]
        return sorted(hits, key=len)  # the shortest path: src/pkg/x.py before build/lib/...

    def locate(self, task: Task) -> HumanFunction | None:
        for suffix, qual in _module_candidates(task):
            for path in self._matching(suffix):
                text = self.files[path].decode("utf-8", "replace")
                if path not in self._trees:
                    self._trees[path] = _parse(text)
                tree = self._trees[path]
                fn = _find_def(tree, qual) if tree is not None else None
                if fn is not None:
                    return _human_function(path, text, fn)
        return None


# ------------------------------------------------------------------------------- pairing


def _indent_of(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _clean_body(body: str, indent: int) -> str | None:
    """A generated body re-indented to `indent`, cut where the model left the function, without a
    docstring of its own; None when nothing of a body remains."""
    body = body.replace("\r\n", "\n").replace("\t", "    ")
    lines = body.split("\n")
    while lines and not lines[0].strip():
        lines.pop(0)
    if not lines:
        return None
    base = _indent_of(lines[0])
    kept = []
    for line in lines:
        if line.strip() and _indent_of(line) < base:
            break  # the model went on past the function (another def, a call at module level)
        kept.append(line)
    text = textwrap.dedent("\n".join(kept)).strip("\n")
    tree = _parse(text)
    if tree is not None and tree.body:
        first = tree.body[0]
        if (
            isinstance(first, ast.Expr)
            and isinstance(first.value, ast.Constant)
            and isinstance(first.value.value, str)
        ):
            end = first.end_lineno or first.lineno
            text = "\n".join(text.split("\n")[end:]).strip("\n")
    if not _has_statement(text):
        return None
    return textwrap.indent(text, " " * indent)


def _has_statement(text: str) -> bool:
    tree = _parse(text)
    if tree is None:
        return any(line.strip() and not line.strip().startswith("#") for line in text.split("\n"))
    return any(
        not (isinstance(s, ast.Pass) or (isinstance(s, ast.Expr) and _is_ellipsis(s.value)))
        for s in tree.body
    )


def _is_ellipsis(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and node.value is Ellipsis


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def pair_text(human: HumanFunction, body: str) -> tuple[str | None, str]:
    """The LLM version of a human function, or (None, reason it was dropped)."""
    head = human.lines[: human.body_start]
    human_body = human.lines[human.body_start :]
    indent = min((_indent_of(line) for line in human_body if line.strip()), default=4)
    cleaned = _clean_body(body, indent)
    if cleaned is None:
        return None, "empty"
    code = "\n".join([*head, cleaned])
    if _parse(textwrap.dedent(code)) is None:
        return None, "unparsable"
    a, b = _squash("\n".join(human_body)), _squash(cleaned)
    if a == b:
        return None, "identical"
    if difflib.SequenceMatcher(None, a, b, autojunk=False).ratio() >= MAX_SIMILARITY:
        return None, "near-identical"
    return code, ""


# ------------------------------------------------------------------------------- releases


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _file_version(filename: str, canonical: str) -> str | None:
    for suffix in (".tar.gz", ".zip", ".tar.bz2", ".tgz"):
        if filename.endswith(suffix):
            stem = filename[: -len(suffix)]
            if "-" in stem and _canonical(stem.rsplit("-", 1)[0]) == canonical:
                return stem.rsplit("-", 1)[1]
            return None
    if filename.endswith("-none-any.whl"):
        parts = filename.split("-")
        if _canonical(parts[0]) == canonical:
            return parts[1]
    return None


def release_candidates(pypi: str, cutoff: str, index: str = PYPI_SIMPLE) -> list[dict[str, str]]:
    """The versions of `pypi` with a file uploaded before `cutoff`, newest first (see
    `candidates_from_index`), read from the simple index's JSON form."""
    req = urllib.request.Request(f"{index}/{_canonical(pypi)}/", headers={"Accept": _SIMPLE_JSON})
    with urllib.request.urlopen(req, timeout=120) as resp:
        data = json.load(resp)
    return candidates_from_index(data, pypi, cutoff)


def candidates_from_index(data: dict[str, Any], pypi: str, cutoff: str) -> list[dict[str, str]]:
    """The final releases in a PEP 691 project page with a file uploaded before `cutoff`, newest
    first; one file per version: the sdist when there is one, else a pure-Python wheel."""
    canonical = _canonical(pypi)
    best: dict[str, dict[str, str]] = {}
    for f in data.get("files", []):
        uploaded = f.get("upload-time") or ""
        version = _file_version(f["filename"], canonical)
        if version is None or not uploaded or uploaded[:10] >= cutoff or f.get("yanked"):
            continue
        if re.search(r"(a|b|rc|dev)\d*$", version):
            continue  # pre-releases are not what a benchmark snapshots
        entry = {
            "version": version,
            "file": f["filename"],
            "url": f["url"],
            "sha256": f.get("hashes", {}).get("sha256", ""),
            "upload_time": uploaded,
        }
        old = best.get(version)
        is_sdist = not f["filename"].endswith(".whl")
        if old is None or (is_sdist and old["file"].endswith(".whl")):
            best[version] = entry
    return sorted(best.values(), key=lambda e: e["upload_time"], reverse=True)


def _matches(index: ArchiveIndex, tasks: list[Task]) -> int:
    n = 0
    for task in tasks:
        fn = index.locate(task)
        if fn is None:
            continue
        want = signature_args(task.signature) if task.signature else None
        if want is None or want == fn.args:
            n += 1
    return n


def choose_release(
    pypi: str, tasks: list[Task], archives: Path, tries: int = 3
) -> tuple[Pin | None, str]:
    """The newest release (of the `tries` newest before the cut-off) holding the most tasks."""
    cutoff = CUTOFFS[tasks[0].benchmark]
    try:
        candidates = release_candidates(pypi, cutoff)
    except (OSError, ValueError) as exc:
        return None, f"index: {exc}"
    if not candidates:
        return None, f"no release of {pypi} before {cutoff}"
    best: tuple[int, dict[str, str]] | None = None
    for cand in candidates[:tries]:
        target = archives / cand["file"]
        try:
            if not (target.exists() and sha256_of(target) == cand["sha256"]):
                download(cand["url"], target)
        except OSError as exc:
            log.warning("%s: %s not downloaded: %s", pypi, cand["file"], exc)
            continue
        matched = _matches(ArchiveIndex(target), tasks)
        log.info("%s %s: %d of %d tasks", pypi, cand["version"], matched, len(tasks))
        if best is None or matched > best[0]:
            best = (matched, cand)
        if matched == len(tasks):
            break
    if best is None or best[0] == 0:
        return None, f"no function found in {min(tries, len(candidates))} releases of {pypi}"
    matched, cand = best
    newest = cand is candidates[0]
    reason = (
        f"newest release before {cutoff}"
        if newest
        else f"holds more tasks with the benchmark's signature than the newer releases before {cutoff}"
    )
    return (
        Pin(
            tasks[0].project,
            pypi,
            cand["version"],
            cand["file"],
            cand["url"],
            cand["sha256"],
            cand["upload_time"],
            matched,
            len(tasks),
            reason,
        ),
        "",
    )


def _by_project(tasks: Iterable[Task]) -> dict[tuple[str, str], list[Task]]:
    out: dict[tuple[str, str], list[Task]] = {}
    for t in tasks:
        out.setdefault((t.benchmark, t.project), []).append(t)
    return out


def write_pins(pins: list[Pin], failed: dict[str, str], path: Path) -> None:
    """`paired.toml`: one table per pinned project, and the projects that could not be pinned."""
    lines = [
        "# Releases of the projects behind EvoCodeBench and DevEval, chosen by",
        "# `python -m codeorigin_train.realcode.paired pin` (see paired.py). Each pins one file of",
        "# the PyPI simple index by name and sha256.",
        "",
    ]
    for p in pins:
        lines.append("[[project]]")
        for key, value in p.__dict__.items():
            lines.append(f"{key} = {json.dumps(value)}")
        lines.append("")
    for project, why in sorted(failed.items()):
        lines.append(f"# not pinned: {project}: {why}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def load_pins(path: Path = PINS_FILE) -> dict[str, Pin]:
    import tomllib

    with path.open("rb") as fh:
        data = tomllib.load(fh)
    return {e["project"]: Pin(**e) for e in data.get("project", [])}


def fetch_pins(pins: Iterable[Pin], archives: Path) -> list[tuple[str, str]]:
    """Download every pinned file not yet in `archives`; returns [(project, error)]."""
    archives.mkdir(parents=True, exist_ok=True)
    failed = []
    for pin in pins:
        target = archives / pin.file
        try:
            if not (target.exists() and sha256_of(target) == pin.sha256):
                download(pin.url, target)
            if sha256_of(target) != pin.sha256:
                target.unlink()
                raise RuntimeError(f"{pin.file}: sha256 differs from the pin")
        except (OSError, RuntimeError) as exc:
            failed.append((pin.project, str(exc)))
    return failed


# --------------------------------------------------------------------------------- build


def _row(task: Task, pin: Pin, code: str, label: int, generator: str, setting: str, path: str):
    text = normalize(code).text
    return {
        "code": text,
        "label": label,
        "language": "python",
        "source": f"paired-{task.benchmark}",
        "generator": generator,
        "group": f"real:{_canonical(pin.pypi)}",
        "project": _canonical(pin.pypi),
        "namespace": task.namespace,
        "setting": setting,
        "version": pin.version,
        "release_file": pin.file,
        "path": path,
        "n_lines": text.count("\n") + 1,
    }


def build_pairs(
    data_root: Path, pins: dict[str, Pin], archives: Path
) -> tuple[pd.DataFrame, BuildReport]:
    """Human rows and LLM rows for every task whose project is pinned and whose function is found."""
    report = BuildReport()
    tasks = all_tasks(data_root)
    report.tasks = len(tasks)
    by_ns: dict[tuple[str, str], list[Completion]] = {}
    for bench in (DEVEVAL, EVOCODEBENCH):
        for c in completions(data_root, bench):
            by_ns.setdefault((bench, c.namespace), []).append(c)
    rows: list[dict[str, Any]] = []
    seen_human: set[str] = set()
    for (bench, project), group in _by_project(tasks).items():
        pin = pins.get(project)
        if pin is None:
            report.missing["no-release" if group[0].pypi is None else "not-pinned"] += len(group)
            continue
        archive = archives / pin.file
        if not archive.exists():
            report.missing["archive-not-fetched"] += len(group)
            continue
        index = ArchiveIndex(archive)
        for task in group:
            human = index.locate(task)
            if human is None:
                report.missing["function-not-found"] += 1
                continue
            want = signature_args(task.signature) if task.signature else None
            if want is not None and want != human.args:
                report.missing["signature-differs"] += 1
                continue
            report.found[_canonical(pin.pypi)] += 1
            human_code = "\n".join(human.lines)
            key = hashlib.blake2b(human_code.encode(), digest_size=8).hexdigest()
            if key not in seen_human:  # DevEval and EvoCodeBench may share a function
                seen_human.add(key)
                rows.append(_row(task, pin, human_code, 0, "human", "", human.path))
            for c in by_ns.get((bench, task.namespace), []):
                code, why = pair_text(human, c.body)
                if code is None:
                    report.dropped[why] += 1
                    continue
                report.bodies[c.generator] += 1
                rows.append(_row(task, pin, code, 1, c.generator, c.setting, human.path))
    frame = pd.DataFrame(rows)
    if not frame.empty:
        frame = frame.drop_duplicates(subset=["code", "label"]).reset_index(drop=True)
    return frame, report


# The real-code set's split fractions (train, val, test) by project: a project that has both dated
# functions and paired ones is on the same side in both.
SPLIT_FRACTIONS = (0.6, 0.2, 0.2)


def split_projects(frame: pd.DataFrame, seed: int = 0) -> pd.Series:
    """`train`/`val`/`test` per row, drawn per `group` (`real:<project>`) exactly as the real-code
    rows are, so a project is on one side only, here and there."""
    from codeorigin_train.data.splits import split_of

    return frame["group"].map(lambda g: split_of(str(g), seed, SPLIT_FRACTIONS))


def training_rows(
    frame: pd.DataFrame, split: str, llm_per_function: int, seed: int = 0
) -> pd.DataFrame:
    """The rows of one split for training or calibration: every human function, and at most
    `llm_per_function` LLM versions of each (drawn by a hash of the seed, namespace, generator and
    setting, so generators and settings are spread over functions), keeping human and LLM code of
    each project close in number."""
    rows = frame[frame["split"] == split]
    human = rows[rows["label"] == 0]
    llm = rows[rows["label"] == 1]
    if llm_per_function <= 0 or llm.empty:
        return human.iloc[:0]
    keys = (
        str(seed) + "\x1f" + llm["namespace"] + "\x1f" + llm["generator"] + "\x1f" + llm["setting"]
    )
    rank = keys.map(lambda k: hashlib.blake2b(k.encode(), digest_size=8).hexdigest())
    llm = llm.assign(_rank=rank).sort_values("_rank")
    llm = llm.groupby("namespace").head(llm_per_function).drop(columns="_rank")
    return pd.concat([human, llm]).sort_index()


# ----------------------------------------------------------------------------------- CLI


def _cmd_pin(args: argparse.Namespace) -> int:
    archives = Path(args.archives)
    archives.mkdir(parents=True, exist_ok=True)
    pins: list[Pin] = []
    failed: dict[str, str] = {}
    for (_bench, project), group in sorted(_by_project(all_tasks(Path(args.data_root))).items()):
        pypi = group[0].pypi
        if pypi is None:
            failed[project] = "not released on PyPI"
            continue
        if args.only and project not in args.only:
            continue
        pin, why = choose_release(pypi, group, archives, tries=args.tries)
        if pin is None:
            failed[project] = why
            log.warning("%s: %s", project, why)
        else:
            pins.append(pin)
    write_pins(pins, failed, Path(args.pins))
    log.info("pinned %d projects, %d not", len(pins), len(failed))
    return 0


def _cmd_fetch(args: argparse.Namespace) -> int:
    pins = load_pins(Path(args.pins))
    failed = fetch_pins(pins.values(), Path(args.archives))
    for project, error in failed:
        log.error("%s: %s", project, error)
    return 1 if failed else 0


def _cmd_build(args: argparse.Namespace) -> int:
    pins = load_pins(Path(args.pins))
    frame, report = build_pairs(Path(args.data_root), pins, Path(args.archives))
    if frame.empty:
        log.error("no pairs built: fetch the pinned archives first")
        return 1
    frame["split"] = split_projects(frame)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    frame.to_parquet(out, index=False)
    info = report.to_dict()
    info["rows"] = {
        split: {"human": int((g.label == 0).sum()), "llm": int((g.label == 1).sum())}
        for split, g in frame.groupby("split")
    }
    info["releases"] = {p.project: f"{p.pypi}=={p.version} ({p.reason})" for p in pins.values()}
    out.with_suffix(".summary.json").write_text(json.dumps(info, indent=1), encoding="utf-8")
    log.info(
        "%d human functions, %d LLM bodies, %d projects -> %s",
        int((frame.label == 0).sum()),
        int((frame.label == 1).sum()),
        frame["project"].nunique(),
        out,
    )
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="codeorigin-train paired", description=__doc__.split("\n\n")[0]
    )
    sub = parser.add_subparsers(dest="cmd", required=True)
    for name in ("pin", "fetch", "build"):
        p = sub.add_parser(name)
        p.add_argument("--pins", default=str(PINS_FILE))
        p.add_argument("--archives", default=str(DEFAULT_ARCHIVES))
        if name != "fetch":
            p.add_argument("--data-root", default="../shared/data")
    sub.choices["pin"].add_argument("--tries", type=int, default=3)
    sub.choices["pin"].add_argument("--only", nargs="*", default=[])
    sub.choices["build"].add_argument("--out", default=str(DEFAULT_OUT))
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    return {"pin": _cmd_pin, "fetch": _cmd_fetch, "build": _cmd_build}[args.cmd](args)


if __name__ == "__main__":
    raise SystemExit(main())
