"""Fixtures shared by every test folder."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent
if str(TESTS) not in sys.path:
    sys.path.insert(0, str(TESTS))


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny real model folder (random weights) built through the real export code. It has no
    gradient graph: its scores cannot be explained."""
    from tinymodel import build_tiny_model

    return build_tiny_model(tmp_path_factory.mktemp("tiny-model"))


@pytest.fixture(scope="session")
def tiny_ig_model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny model folder that can explain its scores (it has a gradient graph, 64 steps by
    default), trained so that its logit rises with the planted word `igmodel.PLANTED`."""
    from igmodel import build_planted_model

    return build_planted_model(tmp_path_factory.mktemp("tiny-ig-model"), steps=64)
