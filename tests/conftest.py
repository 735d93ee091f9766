"""Fixtures shared by every test folder.

This file being in `tests/` (a folder without `__init__.py`) puts `tests/` on `sys.path` under
pytest's default import mode, so every test imports the shared helpers as `helpers.<module>`."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny real model folder (random weights) built through the real export code. It has no
    gradient graph: its scores cannot be explained."""
    from helpers.tinymodel import build_tiny_model

    return build_tiny_model(tmp_path_factory.mktemp("tiny-model"))


@pytest.fixture(scope="session")
def tiny_ig_model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny model folder that can explain its scores (it has a gradient graph, 64 steps by
    default), trained so that its logit rises with the planted word `igmodel.PLANTED`."""
    from helpers.igmodel import build_planted_model

    return build_planted_model(tmp_path_factory.mktemp("tiny-ig-model"), steps=64)
