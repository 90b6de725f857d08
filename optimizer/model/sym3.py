"""Batched 3x3 symmetric solves in closed form (the delivery EM's M step).

``np.linalg.solve`` on an ``(n, 3, 3)`` stack costs a LAPACK call per matrix and
``einsum`` a dispatch per product; the EM runs both some 80 times a fit. Here a
matrix is its six upper-triangle components, each an ``(n,)`` column, so a
solve is a handful of vector operations (cofactors over the determinant). The
matrices are the posterior precisions of a Bayesian regression with a proper
prior: symmetric positive definite, well enough conditioned for Cramer's rule.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

__all__ = ["Sym3"]

_UPPER = ((0, 0), (0, 1), (0, 2), (1, 1), (1, 2), (2, 2))


class Sym3(NamedTuple):
    """A stack of symmetric 3x3 matrices by their upper triangle, each an ``(n,)`` column."""

    a00: np.ndarray
    a01: np.ndarray
    a02: np.ndarray
    a11: np.ndarray
    a12: np.ndarray
    a22: np.ndarray

    @classmethod
    def of(cls, m: np.ndarray) -> Sym3:
        """From an ``(n, 3, 3)`` stack (its upper triangle; the matrices are taken as symmetric)."""
        return cls(*(np.ascontiguousarray(m[:, i, j]) for i, j in _UPPER))

    def scaled(self, by: np.ndarray, plus: np.ndarray) -> Sym3:
        """``self * by[:, None, None] + diag(plus)``, ``plus`` ``(n, 3)``: a precision ``A / sigma^2 + P``."""
        a00, a01, a02, a11, a12, a22 = (c * by for c in self)
        return Sym3(a00 + plus[:, 0], a01, a02, a11 + plus[:, 1], a12, a22 + plus[:, 2])

    def _adjugate(self) -> tuple[tuple[np.ndarray, ...], np.ndarray]:
        a, b, c, d, e, f = self
        c00 = d * f - e * e
        c01 = c * e - b * f
        c02 = b * e - c * d
        det = a * c00 + b * c01 + c * c02
        return (c00, c01, c02, a * f - c * c, b * c - a * e, a * d - b * b), det

    def solve(self, r: np.ndarray) -> np.ndarray:
        """``x`` ``(n, 3)`` with ``self[k] @ x[k] = r[k]``."""
        (c00, c01, c02, c11, c12, c22), det = self._adjugate()
        r0, r1, r2 = r[:, 0], r[:, 1], r[:, 2]
        x = np.empty_like(r)
        x[:, 0] = c00 * r0 + c01 * r1 + c02 * r2
        x[:, 1] = c01 * r0 + c11 * r1 + c12 * r2
        x[:, 2] = c02 * r0 + c12 * r1 + c22 * r2
        x /= det[:, None]
        return x

    def inverse(self) -> np.ndarray:
        """The ``(n, 3, 3)`` inverses."""
        adj, det = self._adjugate()
        out = np.empty((len(det), 3, 3))
        for (i, j), c in zip(_UPPER, adj, strict=True):
            out[:, i, j] = out[:, j, i] = c / det
        return out

    def quad(self, x: np.ndarray) -> np.ndarray:
        """``x[k] @ self[k] @ x[k]`` for ``x`` ``(n, 3)``."""
        a, b, c, d, e, f = self
        x0, x1, x2 = x[:, 0], x[:, 1], x[:, 2]
        return x0 * (a * x0 + 2.0 * (b * x1 + c * x2)) + x1 * (d * x1 + 2.0 * e * x2) + f * x2 * x2
