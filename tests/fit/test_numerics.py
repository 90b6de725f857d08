"""The fit's small numerical kernels against the textbook versions (scipy, numpy.linalg)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.special import erfcx
from scipy.stats import norm

from optimizer.model.normal import mills, ncdf
from optimizer.model.sym3 import Sym3


@pytest.mark.parametrize("scale", [1.0, 8.0, 35.0])
def test_mills_and_ncdf_follow_scipy_far_into_both_tails(scale: float) -> None:
    z = np.random.default_rng(1).normal(0.0, scale, 5000)
    expected = np.sqrt(2 / np.pi) / erfcx(z / np.sqrt(2))  # phi / (1 - Phi), stable
    assert np.allclose(mills(z), expected, rtol=3e-7, atol=1e-300)  # below z = -37 both are ~0
    assert np.allclose(ncdf(z), norm.cdf(z), rtol=0, atol=2e-7)


def test_mills_and_ncdf_take_scalars_and_leave_their_input_alone() -> None:
    z = np.array([-3.0, 0.0, 2.5])
    before = z.copy()
    mills(z)
    ncdf(z)
    assert np.array_equal(z, before)
    assert mills(1.5) == pytest.approx(norm.pdf(1.5) / norm.sf(1.5), rel=3e-7)
    assert ncdf(np.float64(-1.0)) == pytest.approx(norm.cdf(-1.0), abs=2e-7)


def _spd(n: int, rng: np.random.Generator) -> np.ndarray:
    g = rng.normal(size=(n, 3, 3)) * rng.uniform(0.01, 30.0, (n, 1, 3))
    return g @ g.transpose(0, 2, 1) + np.eye(3) * rng.uniform(0.01, 2.0, (n, 1, 1))


def test_sym3_solves_inverts_and_forms_like_numpy() -> None:
    rng = np.random.default_rng(7)
    m = _spd(500, rng)
    r = rng.normal(size=(500, 3))
    s = Sym3.of(m)
    assert np.allclose(s.solve(r), np.linalg.solve(m, r[:, :, None])[:, :, 0], rtol=1e-8, atol=1e-10)
    assert np.allclose(s.inverse(), np.linalg.inv(m), rtol=1e-8, atol=1e-10)
    assert np.allclose(s.quad(r), np.einsum("ni,nij,nj->n", r, m, r), rtol=1e-10)
    scale, plus = rng.uniform(0.1, 5.0, 500), rng.uniform(0.0, 3.0, (500, 3))
    scaled = m * scale[:, None, None] + np.eye(3) * plus[:, None, :]
    assert np.allclose(s.scaled(scale, plus).inverse(), np.linalg.inv(scaled), rtol=1e-8, atol=1e-10)
