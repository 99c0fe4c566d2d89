"""Sobol sensitivity indices of the model's figures, through a Gaussian-process metamodel.

Why a metamodel: Saltelli's estimator needs N (D + 2) model evaluations per seed (N ~ 1,000;
D = 8 parameters: 10,000 runs, times the seeds to average out the Monte Carlo noise); at a
fraction of a second a run that is hours on two cores. Instead the model is run on a
space-filling design (a Sobol sample of a few hundred points x a few seeds, through the sweep
runner: resumable, local or Ray), a Gaussian process is fitted to each figure's seed mean, and
SALib's Sobol analysis runs on the process's mean, which costs milliseconds.

Why a Gaussian process rather than polynomial chaos: the figures are noisy (seed to seed) and
some respond to a parameter through a threshold (a firm adopts AI where it is cheaper); a GP
with an anisotropic Matern 5/2 kernel and a white-noise term separates the seed noise from the
parameters' signal and follows kinks that a low-degree polynomial smooths away, and it needs no
choice of degree. Its accuracy is measured, not assumed: 5-fold cross-validation on the design
gives Q2 (the share of the figure's variance over the design the metamodel predicts out of
sample) and the relative error, printed beside every index; an index whose metamodel has a low
Q2 says little, and the output says so.

Intervals combine SALib's bootstrap (the finite Saltelli sample) and a bootstrap of the metamodel
(refits on resampled design points, kernel fixed): the half-widths add in quadrature.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from neijuan.errors import ConfigError

ProgressFn = Callable[[int, int], None]
DEFAULT_FILE = "sensitivity-ai-baseline.toml"
HEADLINE = ("involution_index", "productivity_employment_gap", "surplus_labour_rate",
            "effort_per_position", "rent_dissipation", "ai_wage_premium",
            "degree_weight_change", "retained_not_needed_share", "blame_authority_gap",
            "polarization_mid")


@dataclass(frozen=True)
class Problem:
    """Parameters and their ranges (SALib's problem)."""

    names: tuple[str, ...]
    bounds: tuple[tuple[float, float], ...]

    def salib(self) -> dict[str, Any]:
        return {"num_vars": len(self.names), "names": list(self.names),
                "bounds": [list(b) for b in self.bounds]}

    def to_unit(self, X: np.ndarray) -> np.ndarray:
        lo = np.array([b[0] for b in self.bounds])
        hi = np.array([b[1] for b in self.bounds])
        return (X - lo) / (hi - lo)


def sobol_indices(fn: Callable[[np.ndarray], np.ndarray], problem: Problem, n_base: int = 1024,
                  seed: int = 0, num_resamples: int = 100) -> dict[str, np.ndarray]:
    """First-order and total Sobol indices of ``fn`` (vectorised over rows) with SALib:
    ``S1``, ``S1_conf``, ``ST``, ``ST_conf`` (95% bootstrap half-widths)."""
    from SALib.analyze import sobol as sobol_analyze
    from SALib.sample import sobol as sobol_sample

    X = sobol_sample.sample(problem.salib(), n_base, calc_second_order=False, seed=seed)
    Y = np.asarray(fn(X), dtype=np.float64)
    res = sobol_analyze.analyze(problem.salib(), Y, calc_second_order=False,
                                num_resamples=num_resamples, seed=seed)
    return {k: np.asarray(res[k], dtype=np.float64) for k in ("S1", "S1_conf", "ST", "ST_conf")}


# ------------------------------------------------------------------------------------ metamodel
@dataclass
class Metamodel:
    """A Gaussian process on the unit box, with its cross-validated accuracy."""

    gp: Any
    problem: Problem
    q2: float            # out-of-sample share of variance explained (5-fold)
    rel_rmse: float      # out-of-sample RMSE / sd of the figure over the design
    noise_share: float   # the white-noise term's share of the fitted variance (seed noise)

    def predict(self, X: np.ndarray) -> np.ndarray:
        return np.asarray(self.gp.predict(self.problem.to_unit(X)), dtype=np.float64)


def _kernel(d: int) -> Any:
    from sklearn.gaussian_process.kernels import ConstantKernel, Matern, WhiteKernel

    return (ConstantKernel(1.0, (1e-3, 1e3))
            * Matern(length_scale=np.full(d, 0.5), length_scale_bounds=(1e-2, 1e2), nu=2.5)
            + WhiteKernel(1e-2, (1e-8, 1e1)))


def fit_metamodel(X: np.ndarray, y: np.ndarray, problem: Problem, seed: int = 0,
                  folds: int = 5) -> Metamodel:
    """Fit a GP to ``y`` at design points ``X``; cross-validate it with the kernel fixed."""
    import warnings

    from sklearn.exceptions import ConvergenceWarning
    from sklearn.gaussian_process import GaussianProcessRegressor

    U = problem.to_unit(X)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        gp = GaussianProcessRegressor(_kernel(U.shape[1]), normalize_y=True,
                                      n_restarts_optimizer=2, random_state=seed).fit(U, y)
    kernel = gp.kernel_
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(y))
    pred = np.empty_like(y)
    for k in range(folds):
        test = order[k::folds]
        train = np.setdiff1d(order, test)
        fold = GaussianProcessRegressor(kernel, normalize_y=True, optimizer=None).fit(
            U[train], y[train])
        pred[test] = fold.predict(U[test])
    var = float(np.var(y))
    mse = float(np.mean((pred - y) ** 2))
    q2 = 1.0 - mse / var if var > 0 else float("nan")
    params = kernel.get_params()
    noise = float(params["k2__noise_level"])
    signal = float(params["k1__k1__constant_value"])
    return Metamodel(gp=gp, problem=problem, q2=q2,
                     rel_rmse=math.sqrt(mse / var) if var > 0 else float("nan"),
                     noise_share=noise / (noise + signal))


def metamodel_indices(X: np.ndarray, y: np.ndarray, problem: Problem, *, n_base: int = 1024,
                      bootstrap: int = 10, seed: int = 0) -> dict[str, Any]:
    """Sobol indices of the metamodel's mean with combined intervals, and its accuracy."""
    from threadpoolctl import threadpool_limits

    # small dense algebra (a few hundred points): one BLAS thread is ten times faster than
    # several fighting over two busy cores
    with threadpool_limits(limits=1):
        return _metamodel_indices(X, y, problem, n_base=n_base, bootstrap=bootstrap, seed=seed)


def _metamodel_indices(X: np.ndarray, y: np.ndarray, problem: Problem, *, n_base: int,
                       bootstrap: int, seed: int) -> dict[str, Any]:
    from sklearn.gaussian_process import GaussianProcessRegressor

    mm = fit_metamodel(X, y, problem, seed=seed)
    main = sobol_indices(mm.predict, problem, n_base=n_base, seed=seed)
    U = problem.to_unit(X)
    rng = np.random.default_rng(seed + 1)
    boots: dict[str, list[np.ndarray]] = {"S1": [], "ST": []}
    for _ in range(bootstrap):
        idx = rng.integers(0, len(y), len(y))
        refit = GaussianProcessRegressor(mm.gp.kernel_, normalize_y=True, optimizer=None).fit(
            U[idx], y[idx])
        def predict(Z: np.ndarray, g: Any = refit) -> np.ndarray:
            return np.asarray(g.predict(problem.to_unit(Z)), dtype=np.float64)

        b = sobol_indices(predict, problem, n_base=n_base, seed=seed, num_resamples=2)
        boots["S1"].append(b["S1"])
        boots["ST"].append(b["ST"])
    out: dict[str, Any] = {"q2": mm.q2, "rel_rmse": mm.rel_rmse, "noise_share": mm.noise_share}
    for name in ("S1", "ST"):
        spread = (1.96 * np.std(np.array(boots[name]), axis=0, ddof=1) if bootstrap > 1
                  else np.zeros(len(problem.names)))
        half = np.sqrt(main[f"{name}_conf"] ** 2 + spread ** 2)
        out[name] = main[name]
        out[f"{name}_lo"] = main[name] - half
        out[f"{name}_hi"] = main[name] + half
    return out


# -------------------------------------------------------------------------------------- running
def default_file() -> Path:
    """The shipped sensitivity design (8 unmeasured parameters of ai-baseline)."""
    return Path(str(resources.files("neijuan.calibrate") / DEFAULT_FILE))


def analyse(rows: Any, problem: Problem, figures: Sequence[str], *, n_base: int = 1024,
            bootstrap: int = 10, seed: int = 0) -> Any:
    """Indices of each figure from sweep rows (one per point and seed): a tidy Polars frame,
    one row per figure and parameter."""
    import polars as pl

    means = rows.group_by("point").agg(
        [pl.col(k).first() for k in problem.names]
        + [pl.col(f).mean() for f in figures]).sort("point")
    X = means.select(list(problem.names)).to_numpy().astype(np.float64)
    out: list[dict[str, Any]] = []
    for fig in figures:
        y = means[fig].to_numpy().astype(np.float64)
        if not np.all(np.isfinite(y)) or np.ptp(y) == 0:
            for name in problem.names:
                out.append({"figure": fig, "parameter": name, "S1": None, "S1_lo": None,
                            "S1_hi": None, "ST": None, "ST_lo": None, "ST_hi": None,
                            "q2": None, "rel_rmse": None, "noise_share": None,
                            "note": "constant or undefined over the design"})
            continue
        res = metamodel_indices(X, y, problem, n_base=n_base, bootstrap=bootstrap, seed=seed)
        note = "" if res["q2"] >= 0.5 else "metamodel predicts poorly (Q2 < 0.5): indices " \
                                           "are not reliable"
        for i, name in enumerate(problem.names):
            out.append({"figure": fig, "parameter": name,
                        **{k: float(res[k][i]) for k in ("S1", "S1_lo", "S1_hi", "ST", "ST_lo",
                                                         "ST_hi")},
                        "q2": res["q2"], "rel_rmse": res["rel_rmse"],
                        "noise_share": res["noise_share"], "note": note})
    return pl.DataFrame(out)


def run_sensitivity(file: str | os.PathLike[str] | None, out: str | os.PathLike[str], *,
                    figures: Sequence[str] | None = None, n_base: int = 1024,
                    bootstrap: int = 10, processes: int | None = None, use_ray: bool = False,
                    ray_address: str | None = None, progress: ProgressFn | None = None,
                    allow_version_change: bool = False) -> Any:
    """Run the design of ``file`` (a sweep file with ``[sample]``) into ``out/design`` (resumable)
    and return the indices of ``figures`` (default: the headline figures and, when the
    simulator gives a no-AI twin, their AI effects); writes ``out/sensitivity.parquet`` and
    ``out/sensitivity.json``."""
    from neijuan.atomic import write_json, write_parquet
    from neijuan.calibrate.sweep import plan, read_sweep, run_sweep
    from neijuan.sim.figures import RUN_FIGURES

    the_plan = plan(file if file is not None else default_file())
    spec = the_plan.spec
    if spec.sample is None:
        raise ConfigError("sensitivity: the design file needs a [sample] with ranges (a "
                          "space-filling design), not a [grid]")
    problem = Problem(tuple(spec.sample.ranges),
                      tuple((float(lo), float(hi)) for lo, hi in spec.sample.ranges.values()))
    chosen = list(figures or HEADLINE)
    for f in chosen:
        if f not in RUN_FIGURES and not (f.startswith("effect_")
                                         and f.removeprefix("effect_") in RUN_FIGURES):
            raise ConfigError(f"sensitivity: unknown figure {f!r}; choose run figures "
                              f"(neijuan simulate --json lists them) or effect_<figure>")
    out_dir = Path(out)
    stats = run_sweep(the_plan, out_dir / "design", processes=processes, use_ray=use_ray,
                      ray_address=ray_address, progress=progress,
                      allow_version_change=allow_version_change)
    if stats.failures:
        raise ConfigError("sensitivity: some design points failed (rerun to retry): "
                          + "; ".join(stats.failures[:3]))
    rows = read_sweep(out_dir / "design")
    if figures is None:  # add the AI effects of the headline figures when the twin exists
        chosen += [f"effect_{f}" for f in HEADLINE if f"effect_{f}" in rows.columns]
    missing = [f for f in chosen if f not in rows.columns]
    if missing:
        raise ConfigError(f"sensitivity: the design rows have no column {missing[0]!r} (AI "
                          "effects need a simulator with a no-AI twin)")
    table = analyse(rows, problem, chosen, n_base=n_base, bootstrap=bootstrap,
                    seed=spec.sample.seed)
    write_parquet(out_dir / "sensitivity.parquet", table)
    write_json(out_dir / "sensitivity.json", {
        "parameters": list(problem.names), "bounds": [list(b) for b in problem.bounds],
        "points": len(the_plan.points), "seeds": the_plan.seeds, "n_base": n_base,
        "bootstrap": bootstrap, "metamodel": "Gaussian process (Matern 5/2 ARD + white noise)",
        "version": the_plan.manifest()["version"], "indices": table.to_dicts()})
    return table
