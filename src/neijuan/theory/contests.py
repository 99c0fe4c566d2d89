"""Contest theory: Tullock (1980) rent-seeking and Lazear-Rosen (1981) tournaments.

These are the closed forms the engine's contest must reproduce with identical candidates.
"""

from __future__ import annotations

import math

from scipy.special import ndtri


def _check(name: str, value: float, low: float, high: float = math.inf) -> None:
    if not (low <= value <= high):
        raise ValueError(f"{name} = {value} must lie in [{low}, {high}]")


def tullock_effort(n: int, prize: float, cost: float, r: float = 1.0) -> float:
    """Symmetric equilibrium effort of an n-player, single-prize Tullock contest with success
    function e_i^r / sum_j e_j^r and linear cost c e: e* = r (n - 1) V / (n^2 c) (for r <= n/(n-1),
    where the pure equilibrium exists)."""
    _check("n", n, 2)
    _check("prize", prize, 0.0)
    _check("cost", cost, 1e-300)
    return r * (n - 1) * prize / (n * n * cost)


def tullock_dissipation(n: int, r: float = 1.0) -> float:
    """Share of the prize spent on effort in that equilibrium: n c e* / V = r (n - 1) / n."""
    _check("n", n, 2)
    return r * (n - 1) / n


def tullock_large_effort(p: float, prize: float, cost: float, r: float = 1.0,
                         noise: float = 1.0) -> float:
    """Large contest: m prizes among n candidates, p = m / n retained, each judged against a
    common bar B with success q / (q + B), q = e^(r / noise). Symmetric equilibrium:
    e* = (r / noise) V p (1 - p) / c (p = 1/n gives the single-prize formula). Effort per head
    peaks at p = 1/2."""
    _check("p", p, 0.0, 1.0)
    _check("cost", cost, 1e-300)
    return (r / noise) * prize * p * (1.0 - p) / cost


def tullock_large_dissipation(p: float, r: float = 1.0, noise: float = 1.0) -> float:
    """Share of the prizes burnt in effort in the large contest: (r / noise) (1 - p). It grows as
    the share retained falls: the involution mechanism in one line."""
    _check("p", p, 0.0, 1.0)
    return (r / noise) * (1.0 - p)


def lazear_rosen_effort(prize_spread: float, cost: float, noise_sd: float) -> float:
    """Two-player rank-order tournament (Lazear & Rosen 1981): output e_i + eps_i with
    eps ~ N(0, sd^2), quadratic cost c e^2 / 2, winner gets the spread. Equilibrium
    e* = spread * g(0) / c with g the density of eps_j - eps_i ~ N(0, 2 sd^2): e* = spread /
    (2 sd sqrt(pi) c). Less noise, more effort."""
    _check("noise_sd", noise_sd, 1e-300)
    _check("cost", cost, 1e-300)
    return prize_spread / (2.0 * noise_sd * math.sqrt(math.pi) * cost)


def probit_contest_effort(p: float, prize: float, cost: float, r: float = 1.0,
                          noise: float = 1.0) -> float:
    """Large top-M contest with Gaussian noise on the log score (the engine's ``top_m`` rule):
    success Phi((r ln e + k - b) / noise), symmetric equilibrium e* = r V phi(Phi^-1(p)) /
    (noise c). Effort falls as noise rises, as in Lazear-Rosen."""
    _check("p", p, 1e-12, 1.0 - 1e-12)
    z = float(ndtri(p))
    density = math.exp(-0.5 * z * z) / math.sqrt(2.0 * math.pi)
    return r * prize * density / (noise * cost)
