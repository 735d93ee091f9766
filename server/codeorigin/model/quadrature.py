"""Quadrature rules on [0, 1] for the path integral of Integrated Gradients, apart from the method.

Integrated Gradients integrates the gradient along a straight path from the baseline (α = 0) to the
input (α = 1); a rule says at which α to evaluate the gradient graph and with which weights. Like
captum's `approximation_methods`, the rules know nothing of models: `attributor` asks for points and
weights, and the training side (`codeorigin_train.export.ig_steps`) measures which rule converges fastest.

`riemann_trapezoid`: `steps` evenly spaced points, both ends included (captum's rule).
`gauss_legendre`: `steps` Gauss-Legendre nodes, plus α=0 and α=1 with weight 0 (for F(x') and F(x)).
`gauss_lobatto`: `steps` Gauss-Lobatto nodes, which include both ends: for the same number of
gradient evaluations it is exact for polynomials of a higher degree than `gauss_legendre` with its
two extra ends.
"""

from __future__ import annotations

import functools
from typing import Literal, get_args

import numpy as np

Rule = Literal["riemann_trapezoid", "gauss_legendre", "gauss_lobatto"]
RULES: tuple[str, ...] = get_args(Rule)
DEFAULT_RULE: Rule = "riemann_trapezoid"  # when a model's manifest names none
MAX_STEPS = 1024


def min_steps(rule: str) -> int:
    """The fewest steps a rule takes: Gauss-Legendre adds its own ends, the others need two."""
    return 1 if rule == "gauss_legendre" else 2


def path_points(rule: str, steps: int) -> tuple[np.ndarray, np.ndarray, int, int]:
    """(alphas, weights, index of α=0, index of α=1) as read-only arrays, computed once per
    (rule, steps). Raises ValueError for an unknown rule."""
    return _cached_points(rule, int(steps))


@functools.lru_cache(maxsize=64)
def _cached_points(rule: str, steps: int) -> tuple[np.ndarray, np.ndarray, int, int]:
    alphas, weights, i0, i1 = _points(rule, steps)
    alphas.setflags(write=False)
    weights.setflags(write=False)
    return alphas, weights, i0, i1


def _legendre(n: int, x: np.ndarray) -> np.ndarray:
    """P_n(x) by the three-term recurrence."""
    prev, cur = np.ones_like(x), x.copy()
    if n == 0:
        return prev
    for k in range(1, n):
        prev, cur = cur, ((2 * k + 1) * x * cur - k * prev) / (k + 1)
    return cur


def _jacobi_nodes(off_diagonal: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Golub-Welsch: eigenvalues and first eigenvector components of a symmetric Jacobi matrix."""
    matrix = np.diag(off_diagonal, 1) + np.diag(off_diagonal, -1)
    nodes, vectors = np.linalg.eigh(matrix)
    return nodes, vectors[0] ** 2


def _points(rule: str, steps: int) -> tuple[np.ndarray, np.ndarray, int, int]:
    if rule == "riemann_trapezoid":
        alphas = np.linspace(0.0, 1.0, steps)
        weights = np.full(steps, 1.0 / (steps - 1))
        weights[0] = weights[-1] = 0.5 / (steps - 1)
        return alphas, weights, 0, steps - 1
    if rule == "gauss_legendre":
        k = np.arange(1, steps, dtype=np.float64)
        nodes, first = _jacobi_nodes(k / np.sqrt(4.0 * k * k - 1.0))
        alphas = np.concatenate([[0.0], (nodes + 1.0) / 2.0, [1.0]])
        weights = np.concatenate([[0.0], first, [0.0]])  # 2·v0² on [-1, 1], halved for [0, 1]
        return alphas, weights, 0, steps + 1
    if rule == "gauss_lobatto":
        n = steps
        # Interior nodes: the roots of P'_{n-1}, i.e. Gauss-Jacobi(1, 1) nodes.
        k = np.arange(1, n - 2, dtype=np.float64)
        inner = (
            _jacobi_nodes(np.sqrt(k * (k + 2) / ((2 * k + 1) * (2 * k + 3))))[0]
            if n > 2
            else np.array([])
        )
        nodes = np.concatenate([[-1.0], inner, [1.0]])
        w = 2.0 / (n * (n - 1) * _legendre(n - 1, nodes) ** 2)
        return (nodes + 1.0) / 2.0, w / 2.0, 0, n - 1
    raise ValueError(f"unknown rule {rule!r}")
