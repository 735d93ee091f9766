"""`codeorigin serve --tcp HOST:PORT` with an address it cannot listen on, or a `--log-level` that
names no level: one line that says why, in the words of the command's other errors, and status 2;
never a traceback that calls a user's mistake a bug, nor a log record."""

from __future__ import annotations

import socket
import subprocess
import sys
from collections.abc import Iterator

import pytest


def serve(tcp: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "codeorigin", "serve", "--tcp", tcp],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=120,
    )


@pytest.fixture
def taken_port() -> Iterator[int]:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        yield taken.getsockname()[1]


def test_a_port_already_in_use_is_one_line(taken_port: int) -> None:
    result = serve(f"127.0.0.1:{taken_port}")
    assert result.returncode == 2
    assert result.stderr == (
        f"codeorigin serve: cannot listen on 127.0.0.1:{taken_port}: address already in use\n"
    )


@pytest.mark.parametrize(
    ("tcp", "said"),
    [
        ("127.0.0.1:99999", "--tcp: port 99999 is out of range (0 to 65535)"),
        ("nonsense", "--tcp expects HOST:PORT, got 'nonsense'"),
        ("no.such.host.invalid:2087", "cannot listen on no.such.host.invalid:2087: "),
    ],
)
def test_a_bad_address_is_one_line(tcp: str, said: str) -> None:
    result = serve(tcp)
    assert result.returncode == 2
    assert result.stderr.startswith(f"codeorigin serve: {said}")
    assert len(result.stderr.splitlines()) == 1, result.stderr
    assert "Traceback" not in result.stderr and "a bug" not in result.stderr


@pytest.mark.parametrize("entry", [["codeorigin", "serve"], ["codeorigin.lsp"]])
def test_a_log_level_is_a_levels_name_in_any_case(entry: list[str]) -> None:
    """`--log-level info` runs (stdin at its end: the server stops at once, status 0); a name
    that is no level is a usage error, where `basic_format` (an attribute of `logging`) was a
    traceback."""
    command = [sys.executable, "-m", *entry, "--log-level"]
    run = dict(capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=120)
    assert subprocess.run([*command, "info"], **run).returncode == 0  # type: ignore[call-overload]
    bad = subprocess.run([*command, "basic_format"], **run)  # type: ignore[call-overload]
    assert bad.returncode == 2 and "Traceback" not in bad.stderr
    assert "argument --log-level: invalid choice: 'BASIC_FORMAT'" in bad.stderr
