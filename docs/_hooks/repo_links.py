"""A mkdocs hook: a link from a page of docs/ to a file of the repository outside docs/ (the README,
the model card, training/README.md, the VS Code extension's pictures) becomes a link to that file
on GitHub, so `mkdocs build --strict` passes and the site's reader still reaches it; on GitHub
itself, and in tests/unit/test_docs.py, the relative link is what is read. A link to a file that
does not exist is a warning, so `--strict` fails on it as on any dead link."""

from __future__ import annotations

import logging
import posixpath
import re
from pathlib import Path
from typing import Any

log = logging.getLogger("mkdocs.hooks.repo_links")

LINK = re.compile(r"(\]\()([^)\s]+)(\))")
FENCE = re.compile(r"^ *(```|~~~).*?^ *\1[^\n]*$", re.M | re.S)
BRANCH = "main"
PICTURES = (".png", ".jpg", ".jpeg", ".gif", ".svg", ".webp")


def _rewrite(target: str, page: Path, docs: Path, root: Path, repo_url: str) -> str:
    if re.match(r"^[a-z][a-z0-9+.-]*:", target) or target.startswith(("#", "/")):
        return target
    path, hash_, anchor = target.partition("#")
    file = Path(posixpath.normpath((page.parent / path).as_posix()))
    if file == docs or docs in file.parents:
        return target  # mkdocs checks its own pages
    if not file.exists():
        log.warning("%s links %s, which does not exist", page.relative_to(docs), target)
        return target
    relative = file.relative_to(root).as_posix()
    if file.suffix.lower() in PICTURES:
        return f"{repo_url}/blob/{BRANCH}/{relative}?raw=true"
    kind = "tree" if file.is_dir() else "blob"
    return f"{repo_url}/{kind}/{BRANCH}/{relative}{hash_}{anchor}"


def on_page_markdown(markdown: str, page: Any, config: Any, files: Any) -> str:
    docs = Path(config["docs_dir"]).resolve()
    root = docs.parent
    source = docs / page.file.src_path
    repo_url = str(config["repo_url"]).rstrip("/")

    def links(text: str) -> str:
        return LINK.sub(
            lambda m: m.group(1) + _rewrite(m.group(2), source, docs, root, repo_url) + m.group(3),
            text,
        )

    out, at = [], 0
    for fence in FENCE.finditer(markdown):  # code blocks are left as they are
        out += [links(markdown[at : fence.start()]), fence.group(0)]
        at = fence.end()
    out.append(links(markdown[at:]))
    return "".join(out)
