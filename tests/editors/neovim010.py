"""Neovim 0.10 for the tests of `editors/nvim/lspconfig.lua`, the Neovim 0.10 route.

    python tests/editors/neovim010.py tests/editors/.nvim-0.10     # `make setup-dev` runs it

No package of this machine's Debian (bookworm: Neovim 0.7) or of PyPI (0.12-dev) has it, so this
takes Debian trixie's `neovim` 0.10 and the libraries it needs from the Debian archive, their
current versions read from trixie's package index, and extracts them with `dpkg-deb` into FOLDER.
trixie's Neovim needs trixie's C library, newer than bookworm's: FOLDER/nvim runs it through
trixie's own dynamic loader, so the processes Neovim starts (the server's Python) run on the
system's. Done once: a FOLDER that already has a working `nvim` is kept. On another architecture
than amd64, or without `dpkg-deb`, it says so and does nothing (the tests then run that route on
the other Neovim).
"""

from __future__ import annotations

import lzma
import platform
import shutil
import subprocess
import sys
import tempfile
import urllib.request
from pathlib import Path

ARCHIVE = "http://deb.debian.org/debian"
SUITE = "trixie"
# neovim's run-time dependencies in trixie, and the C library and libgcc they link against.
PACKAGES = ("neovim", "neovim-runtime", "libluajit-5.1-2", "libmsgpack-c2", "libtree-sitter0.22",
            "libunibilium4", "libuv1t64", "libvterm0", "lua-lpeg", "lua-luv", "libutf8proc3",
            "libc6", "libgcc-s1")  # fmt: skip
WRAPPER = """#!/bin/sh
# Debian {suite}'s Neovim with {suite}'s C library (tests/editors/neovim010.py wrote this).
export VIM="{root}/usr/share/nvim"
exec "{root}/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2" \\
    --library-path "{root}/usr/lib/x86_64-linux-gnu:{root}/lib/x86_64-linux-gnu" \\
    "{root}/usr/bin/nvim" "$@"
"""


def filenames(index: str, packages: tuple[str, ...]) -> dict[str, str]:
    """Each package's `Filename:` in a Debian `Packages` index (its first stanza)."""
    found: dict[str, str] = {}
    for stanza in index.split("\n\n"):
        fields = dict(line.split(": ", 1) for line in stanza.splitlines() if ": " in line)
        name = fields.get("Package")
        if name in packages and name not in found and "Filename" in fields:
            found[name] = fields["Filename"]
    return found


def works(nvim: Path) -> bool:
    try:
        out = subprocess.run([str(nvim), "--version"], capture_output=True, text=True, timeout=30)
    except OSError:
        return False
    return out.returncode == 0 and out.stdout.startswith("NVIM v0.10")


def install(folder: Path) -> int:
    folder = folder.resolve()
    if works(folder / "nvim"):
        return 0
    if platform.machine() != "x86_64" or shutil.which("dpkg-deb") is None:
        print(f"neovim010: not on this machine (needs amd64 and dpkg-deb); {folder} not written")
        return 0
    url = f"{ARCHIVE}/dists/{SUITE}/main/binary-amd64/Packages.xz"
    with urllib.request.urlopen(url, timeout=120) as r:
        index = lzma.decompress(r.read()).decode("utf-8", "replace")
    files = filenames(index, PACKAGES)
    missing = sorted(set(PACKAGES) - set(files))
    if missing:
        print(f"neovim010: {SUITE}'s index lacks {', '.join(missing)}", file=sys.stderr)
        return 1
    shutil.rmtree(folder, ignore_errors=True)
    root = folder / "root"
    root.mkdir(parents=True)
    with tempfile.TemporaryDirectory() as tmp:
        for name, path in files.items():
            deb = Path(tmp) / f"{name}.deb"
            with urllib.request.urlopen(f"{ARCHIVE}/{path}", timeout=300) as r:
                deb.write_bytes(r.read())
            subprocess.run(["dpkg-deb", "-x", str(deb), str(root)], check=True)
    (folder / "nvim").write_text(WRAPPER.format(suite=SUITE, root=root))
    (folder / "nvim").chmod(0o755)
    if not works(folder / "nvim"):
        print(f"neovim010: {folder / 'nvim'} does not run", file=sys.stderr)
        return 1
    print(f"neovim010: Neovim 0.10 in {folder}")
    return 0


if __name__ == "__main__":
    raise SystemExit(
        install(Path(sys.argv[1] if len(sys.argv) > 1 else "tests/editors/.nvim-0.10"))
    )
