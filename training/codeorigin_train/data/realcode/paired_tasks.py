"""The tasks of EvoCodeBench and DevEval, and their generated bodies, read in their native formats.

DevEval's `data.tar.gz` holds each task's `namespace`, project folder and file; its prompts hold
the signature the generators were given. EvoCodeBench's snapshot holds only completion files, whose
namespaces are its task data. Only greedy completions are read (one per generator, setting and
task). See `paired.py` for how they become pairs.
"""

from __future__ import annotations

import io
import json
import re
import tarfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

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


def by_project(tasks: Iterable[Task]) -> dict[tuple[str, str], list[Task]]:
    out: dict[tuple[str, str], list[Task]] = {}
    for t in tasks:
        out.setdefault((t.benchmark, t.project), []).append(t)
    return out
