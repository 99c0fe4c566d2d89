"""The simulator's results do not depend on the CPU's vector extensions: its exponentials,
logarithms and powers are the C library's (:mod:`neijuan.sim.libm`), not NumPy's CPU-dispatched
code. Before, a run on an AVX-512 machine and the same run on an AVX2 machine differed from
the first quarter of the AI era on."""

from __future__ import annotations

import importlib
import math
import os
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from neijuan.sim import libm

# runs through the AI era (burn-in 8 quarters, 16 after) under both contest rules, with AI
# switched off (the twin) and with a Cobb-Douglas task aggregate, and the mean-field model, each
# hashed: every series, every per-occupation series, every column of the people's state
_DIGEST = """
import hashlib
from dataclasses import fields
import numpy as np
from neijuan.config import load_scenario
from neijuan.sim.economy import builtin_economy
from neijuan.sim.model import LabourMarket
from neijuan.theory.meanfield import MeanFieldMarket, identical_workers
base = {"run.workers": 3000, "run.burn_in": 8, "run.periods": 16}
h = hashlib.sha256()
for extra in ({}, {"contest.rule": "top_m"}, {"ai.enabled": False},
              {"production.sigma": 1.0, "agency.liability_rule": "authority"}, None):
    if extra is None:
        m = MeanFieldMarket(load_scenario("ai-baseline", {**base, **identical_workers()}),
                            builtin_economy())
    else:
        m = LabourMarket(load_scenario("ai-baseline", {**base, **extra}), builtin_economy(), 5)
    for _ in range(24):
        m.step()
    for table in (m.series(), m.occupation_series()):
        for name, values in sorted(table.items()):
            h.update(name.encode())
            h.update(np.ascontiguousarray(values).tobytes())
    if extra is not None:
        for f in fields(m.pop):
            h.update(np.ascontiguousarray(getattr(m.pop, f.name)).tobytes())
print(h.hexdigest())
"""


def _digest(disable: str | None) -> str:
    env = dict(os.environ)
    env.pop("NPY_DISABLE_CPU_FEATURES", None)
    if disable:
        env["NPY_DISABLE_CPU_FEATURES"] = disable
    done = subprocess.run([sys.executable, "-c", _DIGEST], env=env, capture_output=True,
                          text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout.strip().splitlines()[-1]


def _dispatched_features() -> list[str]:
    """The CPU features NumPy dispatches its vector loops on that this machine has."""
    try:
        umath = importlib.import_module("numpy._core._multiarray_umath")
    except ImportError:  # pragma: no cover - NumPy 1.x
        umath = importlib.import_module("numpy.core._multiarray_umath")
    found = umath.__cpu_features__
    return [f for f in umath.__cpu_dispatch__ if found.get(f)]


def test_a_run_has_the_same_bits_without_numpys_vector_code() -> None:
    """The same runs with NumPy's vector loops switched off (as on a machine without AVX2 or
    AVX-512) give the same bits. On a machine where NumPy dispatches on nothing the two runs
    are the same run, and the test says nothing; on this project's machines (AVX-512) it
    failed before the change."""
    features = _dispatched_features()
    if not features:
        pytest.skip("NumPy dispatches no vector code on this CPU: nothing to switch off")
    assert _digest(None) == _digest(" ".join(features))


@settings(max_examples=100, deadline=None)
@given(st.lists(st.floats(-700.0, 700.0), min_size=0, max_size=40),
       st.lists(st.floats(1e-300, 1e300), min_size=0, max_size=40))
def test_exp_and_log_are_the_c_librarys(xs: list[float], ys: list[float]) -> None:
    assert libm.exp(np.array(xs, dtype=np.float64)).tolist() == [math.exp(x) for x in xs]
    assert libm.log(np.array(ys, dtype=np.float64)).tolist() == [math.log(y) for y in ys]


def test_edges_shapes_and_floats() -> None:
    """NumPy's values at the edges (without its warnings), any shape, float32 skills."""
    assert libm.log(np.array([0.0, -1.0, np.nan, np.inf])).tolist()[0] == -math.inf
    assert np.isnan(libm.log(np.array([-1.0, np.nan]))).all()
    assert libm.exp(np.array([-np.inf, np.inf, 0.0])).tolist() == [0.0, math.inf, 1.0]
    grid = np.linspace(-2.0, 2.0, 12).reshape(3, 4)
    assert libm.exp(grid).shape == (3, 4)
    src = np.array([0.1, -0.5, 2.0], dtype=np.float32)
    out = np.empty(3, dtype=np.float32)
    libm.exp_into(src, out)
    assert out.tolist() == [float(np.float32(math.exp(float(v)))) for v in src]
