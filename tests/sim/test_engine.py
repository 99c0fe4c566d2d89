"""The engine's speed work changes nothing: the population built in blocks (and in shards) equals
the one drawn whole, its sums equal NumPy's, the model imports without the compiler, and a cold
compile cache is announced rather than silent."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import neijuan.sim.model as mdl
import neijuan.sim.shard as shard
from neijuan.config import load_scenario
from neijuan.sim import libm
from neijuan.sim.economy import builtin_economy
from neijuan.sim.state import EMPLOYED, UNEMPLOYED
from neijuan.sim.streams import STREAM_INIT

SRC = str(Path(__file__).resolve().parents[2] / "src")


def _drawn_whole(model: mdl.LabourMarket) -> dict[str, np.ndarray]:
    """The initial population as one draw of the whole population (the reference)."""
    sc, econ = model.sc, model.econ
    lab = sc.labour
    n0 = sc.run.workers
    n_emp = round(n0 * (1.0 - lab.initial_unemployment))
    occ = np.concatenate([
        np.repeat(np.arange(econ.n_occ), mdl.largest_remainder(econ.occ_share, n_emp)),
        np.repeat(np.arange(econ.n_occ), mdl.largest_remainder(econ.occ_share, n0 - n_emp))])
    rng = np.random.default_rng([model.seed, STREAM_INIT])
    p_deg = mdl.initial_degree_propensity(econ, lab.degree_share)[occ]
    degree = (rng.random(n0) < p_deg).astype(np.uint8)
    log_w = libm.log(econ.occ_wage)
    log_skill = (lab.degree_skill_gap * (degree - degree.mean())
                 + lab.sorting * (log_w[occ] - (econ.occ_share * log_w).sum())
                 + lab.skill_sd * rng.standard_normal(n0)).astype(np.float32)
    z_mean = np.where(econ.occ_tier[occ] == 3, lab.specialist_ai_skill, lab.ai_skill_mean)
    ai_skill = np.minimum(1.0, rng.exponential(1.0, n0) * z_mean).astype(np.float32)
    status = np.where(np.arange(n0) < n_emp, EMPLOYED, UNEMPLOYED).astype(np.int8)
    return {"occ": occ, "degree": degree, "log_skill": log_skill, "ai_skill": ai_skill,
            "status": status, "skill": libm.exp(log_skill).astype(np.float32)}


@pytest.mark.parametrize("workers", [100, 977, 5000])
def test_population_built_in_blocks_is_the_one_drawn_whole(
        workers: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(shard, "INIT_BLOCK", 64)
    sc = load_scenario("ai-baseline", {"run.workers": workers, "run.burn_in": 2,
                                       "run.periods": 2})
    model = mdl.LabourMarket(sc, builtin_economy(), 11)
    ref = _drawn_whole(model)
    for name, values in ref.items():
        assert np.array_equal(getattr(model.pop, name)[:workers], values), name
    working = ref["status"] == EMPLOYED
    sk = ref["skill"].astype(np.float64)
    z = ref["ai_skill"].astype(np.float64)
    for col, w in ((7, sk), (8, sk * z), (9, sk * z * z)):
        expect = np.bincount(ref["occ"][working], weights=w[working],
                             minlength=model.econ.n_occ)
        assert np.array_equal(model.occ_sums[:, col], expect), col
    for d in (0, 1):
        ls = ref["log_skill"][ref["degree"] == d].astype(np.float64)
        n = max(ls.size, 1)
        assert model.degree_mean[d] == (ls.sum() / n if ls.size else 0.0)


@pytest.mark.parametrize(("workers", "shards"), [(977, 3), (5000, 4)])
def test_population_built_in_shards_is_the_one_drawn_whole(
        workers: int, shards: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each shard replays the initial stream to its own rows (skipping the uniforms, drawing and
    discarding the normals and exponentials before them)."""
    monkeypatch.setattr(shard, "INIT_BLOCK", 100)
    sc = load_scenario("ai-baseline", {"run.workers": workers, "run.burn_in": 2,
                                       "run.periods": 2})
    model = mdl.LabourMarket(sc, builtin_economy(), 11,
                             shards=lambda cap, records=True: shard.LocalShards(cap, shards, 256,
                                                                       records=records))
    ref = _drawn_whole(model)
    parts = model.shards.shards  # type: ignore[attr-defined]
    assert len(parts) == shards
    for name, values in ref.items():
        whole = np.concatenate([getattr(p.pop, name) for p in parts])
        assert np.array_equal(whole[:workers], values), name


def _python(code: str, cache_dir: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": SRC, "NUMBA_CACHE_DIR": str(cache_dir)}
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env=env, timeout=300, check=True)


def test_the_model_imports_without_the_compiler(tmp_path: Path) -> None:
    """Nor SciPy, nor Pydantic (the economy file's format is read when a file is)."""
    out = _python("import sys, neijuan.sim.model; print(sorted(m for m in ('numba', 'scipy', "
                  "'llvmlite', 'pydantic') if m in sys.modules))", tmp_path)
    assert out.stdout.strip() == "[]"


def test_a_cold_compile_cache_is_announced_once(tmp_path: Path) -> None:
    code = ("from neijuan.sim.model import prepare_engine; "
            "print('cold' if prepare_engine(notify=print) else 'warm')")
    first = _python(code, tmp_path).stdout
    assert "compiling the simulation engine" in first and first.strip().endswith("cold")
    assert _python(code, tmp_path).stdout.strip() == "warm"


def test_the_first_compile_counts_every_function_once(tmp_path: Path) -> None:
    # a cold cache: the progress callback sees each of the engine's compiled functions once, in
    # order, and ends at N of N; the next process loads them all and reports nothing
    code = ("from neijuan.sim.run import compile_engine, engine_functions; seen = []; "
            "ok = compile_engine(lambda d, t: seen.append((d, t))); "
            "print(ok, len(engine_functions()), seen)")
    first = _python(code, tmp_path).stdout.strip().split(" ", 2)
    n = int(first[1])
    seen = ast.literal_eval(first[2])
    assert first[0] == "True" and n >= 20
    assert {total for _, total in seen} == {n}
    assert [done for done, _ in seen[:n]] == list(range(1, n + 1)), seen
    assert seen[-1] == (n, n)
    assert _python(code, tmp_path).stdout.strip() == f"False {n} []"


def test_parallel_seeds_on_a_cold_cache_compile_once(tmp_path: Path) -> None:
    # the parent compiles every pass once with a tiny run before handing seeds to workers; without
    # that, each worker compiled them again and said so
    code = ("from neijuan.sim.run import simulate; "
            "r = simulate('ai-baseline', workers=300, periods=2, seeds=2, processes=2, "
            "overrides={'run.burn_in': 2}); print(len(r.runs))")
    out = _python(code, tmp_path)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "2"
    assert out.stderr.count("compiling the simulation engine") == 1, out.stderr
