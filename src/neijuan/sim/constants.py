"""Sentinels and codes shared by the compiled passes and the per-occupation algebra.

Kept in a module of their own, free of Numba, so that importing the model does not import the
compiler (see :mod:`neijuan.sim`)."""

from __future__ import annotations

NO_BAR = -1.0e30  # bar of an occupation with at least as many positions as candidates
NO_POSITIONS = 1.0e30  # bar of an occupation with no positions: nobody wins
EFFORT_FLOOR = 1.0e-3  # hours per week: keeps log(effort) finite
NO_EFFORT = -1.0e9  # best-response sentinel: the candidate does not take part (zero effort)

# the screen's noise: logistic (the Tullock contest) or normal (top-M, Lazear-Rosen)
LOGISTIC = 0
NORMAL = 1
