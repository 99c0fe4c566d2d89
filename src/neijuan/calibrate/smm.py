"""Simulated method of moments: fit scenario parameters to the published figures.

The distance between the model and the published figures is

    Q(theta) = sum_j w_j ((m_j(theta) - p_j) / tol_j)^2

over the targets in the fit (``in_fit = true`` in ``targets/published.toml``), where
``m_j(theta)`` is the mean of the model's moment over the same seeds at every theta (common
random numbers: the noise does not change from one theta to the next, so Q is a smooth function
the optimiser can follow), ``p_j`` the published figure (real where the source is nominal) and
``tol_j`` its tolerance. The optimiser is SciPy's differential evolution, a population method
whose whole generation is evaluated at once through the sweep runner, so a calibration uses
every local core or a Ray cluster; every evaluation is stored, so a stopped calibration resumes.

Parameter intervals are the SMM sandwich covariance at the optimum,

    V = (G'WG)^-1 G'W (Omega_pub + Sigma_sim / S) W G (G'WG)^-1,

with G the Jacobian of the moments (central differences over 10% of each box, common random
numbers, on the report's seeds), W = diag(w / tol^2), Omega_pub = diag(tol^2) (each tolerance
read as one standard error of the published figure) and Sigma_sim the covariance of the moments
over the S seeds. A parameter the moments do not move has no finite interval and is reported as
not identified.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
import os
import tomllib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from neijuan.errors import ConfigError, NeijuanError
from neijuan.targets import Published, model_targets, published_values, tolerances

ProgressFn = Callable[[int, int], None]
DEFAULT_CONFIG = "fit-ai-baseline.toml"
Z90 = 1.6448536269514722


@dataclass(frozen=True)
class FitParam:
    """A parameter to fit and the box it is searched in."""

    key: str
    lo: float
    hi: float


@dataclass(frozen=True)
class CalibrationConfig:
    """What to fit, with what, how hard."""

    scenario: str = "ai-baseline"
    params: tuple[FitParam, ...] = ()
    seeds: int = 4
    seed: int = 0
    workers: int | None = 5000
    periods: int | None = None
    burn_in: int | None = None
    report_seeds: int = 8
    popsize: int = 8
    maxiter: int = 12
    optimizer_seed: int = 0
    step: float = 0.10            # finite-difference step, share of each parameter's range
    #: values held at every point (``[fixed]`` in a calibration file: "section.key" = value),
    #: written into the fitted scenario with the fitted ones
    fixed: tuple[tuple[str, float], ...] = ()

    def fingerprint(self, targets: Sequence[Published]) -> str:
        """What makes two calibrations the same (their evaluations can be shared)."""
        data = dataclasses.asdict(self)
        for k in ("report_seeds", "popsize", "maxiter", "optimizer_seed", "step"):
            data.pop(k)
        data["targets"] = [(t.id, published_values(t), tolerances(t), t.weight, t.in_fit)
                           for t in targets]
        text = json.dumps(data, sort_keys=True, default=str)
        return hashlib.sha256(text.encode()).hexdigest()[:16]


def load_config(path: str | os.PathLike[str] | None = None,
                overrides: dict[str, Any] | None = None) -> CalibrationConfig:
    """A calibration file (default: the shipped one for ai-baseline), with overrides."""
    if path is None:
        text = (resources.files("neijuan.calibrate") / DEFAULT_CONFIG).read_text(encoding="utf-8")
        source = DEFAULT_CONFIG
    else:
        p = Path(path)
        if not p.is_file():
            raise ConfigError(f"calibration file {p} does not exist")
        text, source = p.read_text(encoding="utf-8"), str(p)
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"calibration file {source}: not valid TOML: {exc}") from None
    raw = {**raw, **{k: v for k, v in (overrides or {}).items() if v is not None}}
    allowed = {f.name for f in dataclasses.fields(CalibrationConfig)}
    for key in raw:
        if key not in allowed:
            raise ConfigError(f"calibration file {source}: unknown key {key!r}; allowed: "
                              f"{', '.join(sorted(allowed))}")
    fixed_raw = raw.pop("fixed", {})
    if not isinstance(fixed_raw, dict) or not all(
            isinstance(v, (int, float)) and not isinstance(v, bool) for v in fixed_raw.values()):
        raise ConfigError(f"calibration file {source}: [fixed] must map \"section.key\" to a "
                          "number")
    params_raw = raw.pop("params", {})
    if not isinstance(params_raw, dict) or not params_raw:
        raise ConfigError(f"calibration file {source}: [params] must list at least one "
                          "\"section.key\" = [low, high]")
    params = []
    for key, box in params_raw.items():
        if (not isinstance(box, list) or len(box) != 2
                or not all(isinstance(v, (int, float)) for v in box) or not box[0] < box[1]):
            raise ConfigError(f"calibration file {source}: params {key!r} = {box!r}; expected "
                              "[low, high] with low < high")
        params.append(FitParam(key, float(box[0]), float(box[1])))
    for key in ("seeds", "report_seeds", "popsize", "maxiter"):
        if key in raw and (not isinstance(raw[key], int) or raw[key] < 1):
            raise ConfigError(f"calibration file {source}: {key} = {raw[key]!r}; expected an "
                              "integer >= 1")
    return CalibrationConfig(params=tuple(params),
                             fixed=tuple((k, float(v)) for k, v in fixed_raw.items()), **raw)


def parse_param(text: str) -> FitParam:
    """``section.key=LOW:HIGH`` (the CLI's ``--param``)."""
    try:
        key, box = text.split("=", 1)
        lo, hi = (float(v) for v in box.split(":", 1))
    except ValueError:
        raise ConfigError(f"--param {text!r}: expected section.key=LOW:HIGH, e.g. "
                          "demand.kappa=0.2:1.2") from None
    if not lo < hi:
        raise ConfigError(f"--param {text!r}: LOW must be below HIGH")
    return FitParam(key.strip(), lo, hi)


# ------------------------------------------------------------------------------------ evaluation
class Evaluator:
    """Moments at parameter points, through the sweep runner and its store (resumable)."""

    def __init__(self, config: CalibrationConfig, targets: Sequence[Published], out: Path, *,
                 processes: int | None = None, use_ray: bool = False,
                 ray_address: str | None = None, progress: ProgressFn | None = None) -> None:
        from neijuan.calibrate.spec import check_key
        from neijuan.calibrate.store import ChunkStore
        from neijuan.config import load_scenario
        from neijuan.provenance import code_version

        self.config = config
        self.targets = list(targets)
        overrides: dict[str, Any] = {"run.seeds": 1}
        for name, key in (("workers", "run.workers"), ("periods", "run.periods"),
                          ("burn_in", "run.burn_in"), ("seed", "run.seed")):
            if getattr(config, name) is not None:
                overrides[key] = getattr(config, name)
        fitted = {p.key for p in config.params}
        for key, value in config.fixed:
            if key in fitted:
                raise ConfigError(f"calibration: {key} is both fitted and fixed")
            overrides[key] = value
        self.base = load_scenario(config.scenario, overrides)
        for p in config.params:
            check_key(self.base, p.key)
            for end in (p.lo, p.hi):
                self.base.with_overrides({p.key: end})
        self.fit_moments = [(name, pub, tol, t.weight)
                            for t in self.targets if t.in_fit
                            for name, pub, tol in zip(t.moment_names(), published_values(t),
                                                      tolerances(t), strict=True)]
        if not self.fit_moments:
            raise ConfigError("calibration: no target is in the fit (in_fit = true)")
        self.fingerprint = config.fingerprint(self.targets)
        self.store = ChunkStore(out / "evaluations")
        self.manifest = {"hash": self.fingerprint, "version": code_version(),
                         "config": dataclasses.asdict(config)}
        from neijuan.calibrate.runner import Backend

        self.backend = Backend(processes, use_ray=use_ray, ray_address=ray_address)
        self.progress = progress
        self.rows_done = 0
        self.rows_expected = 0
        self.cache: dict[str, Any] = {}
        self.evaluated: list[tuple[np.ndarray, float]] = []

    def point(self, theta: Sequence[float]) -> dict[str, float]:
        """A parameter vector as overrides (rounded to 12 significant digits: stable keys)."""
        return {p.key: float(f"{float(v):.12g}") for p, v in zip(self.config.params, theta,
                                                                  strict=True)}

    def seeds(self, n: int | None = None) -> list[int]:
        return [self.base.run.seed + k for k in range(n or self.config.seeds)]

    def rows(self, thetas: Sequence[Sequence[float]], seeds: list[int]) -> list[Any]:
        """Per-seed rows at each theta (computed where missing, else read back)."""
        import polars as pl

        from neijuan.calibrate.runner import evaluate_points
        from neijuan.calibrate.spec import point_key

        points = [self.point(t) for t in thetas]
        unique: dict[str, dict[str, float]] = {}
        for p in points:
            unique.setdefault(point_key(p), p)
        keys = list(unique)
        n_rows = len(keys) * len(seeds)

        def tick(done: int, total: int) -> None:
            if self.progress is not None:
                self.progress(self.rows_done + done,
                              max(self.rows_expected, self.rows_done + total))

        stats = evaluate_points(self.base, list(unique.values()), seeds, self.store,
                                meta={"sweep": self.fingerprint, "twin": "0"}, backend=self.backend,
                                keys=keys, progress=tick)
        self.rows_done += n_rows
        if stats.failures:
            raise NeijuanError("calibration: evaluations failed: " + "; ".join(stats.failures[:3])
                               + " (rerun the same command to retry)")
        for k in keys:  # each chunk file is named by its point's key
            if k in self.cache and set(seeds) <= set(self.cache[k]["seed"].to_list()):
                continue
            files = sorted(self.store.rows.glob(f"{k}_s*.parquet"))
            self.cache[k] = pl.concat([pl.read_parquet(f) for f in files],
                                      how="diagonal_relaxed").sort("seed")
        return [self.cache[point_key(p)].filter(pl.col("seed").is_in(seeds)) for p in points]

    def moment_matrix(self, frame: Any) -> np.ndarray:
        """Seeds x fitted moments."""
        cols = [f"target_{name}" for name, *_ in self.fit_moments]
        return frame.select(cols).to_numpy().astype(np.float64)

    def objective(self, means: np.ndarray) -> float:
        pub = np.array([m[1] for m in self.fit_moments])
        tol = np.array([m[2] for m in self.fit_moments])
        w = np.array([m[3] for m in self.fit_moments])
        if not np.all(np.isfinite(means)):
            return 1e9
        return float(np.sum(w * ((means - pub) / tol) ** 2))

    def __call__(self, x: np.ndarray) -> np.ndarray:
        """Vectorised objective for differential evolution: x is (n_params, n_points)."""
        thetas = np.atleast_2d(x).T if x.ndim == 2 else x[None, :]
        frames = self.rows([list(t) for t in thetas], self.seeds())
        values = np.array([self.objective(self.moment_matrix(f).mean(axis=0)) for f in frames])
        for t, v in zip(thetas, values, strict=True):
            self.evaluated.append((np.array(t, dtype=np.float64), float(v)))
        return values


# ------------------------------------------------------------------------------------ result
@dataclass
class Calibration:
    """The outcome: fitted parameters with intervals, the fit report, the run's facts."""

    config: CalibrationConfig
    theta: dict[str, float]
    objective: float
    params: list[dict[str, Any]]
    report: list[dict[str, Any]]
    evaluations: int
    converged: bool
    message: str
    provenance: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"scenario": self.config.scenario, "objective": self.objective,
                "parameters": self.params, "targets": self.report,
                "evaluations": self.evaluations, "converged": self.converged,
                "message": self.message, "config": dataclasses.asdict(self.config),
                "provenance": self.provenance}

    def scenario_toml(self, name: str | None = None) -> str:
        """The fitted scenario: the base scenario with the fitted values (``extends``)."""
        sections: dict[str, dict[str, float]] = {}
        for key, value in [*self.config.fixed, *self.theta.items()]:
            section, k = key.split(".", 1)
            sections.setdefault(section, {})[k] = value
        within = sum(r["within"] for r in self.report)
        lines = [
            f"# Fitted by `neijuan calibrate` (simulated method of moments), version "
            f"{self.provenance.get('version', '?')}.",
            f"# Distance Q = {self.objective:.4g} over the targets in the fit; {within} of "
            f"{len(self.report)} published figures within tolerance (fit report beside this "
            "file).",
            f"# Fitted at {self.config.workers or 'the scenario default'} workers, "
            f"{self.config.seeds} seeds (common random numbers).",
            f'name = "{name or self.config.scenario + "-fitted"}"',
            f'description = "{self.config.scenario} with parameters fitted to the published '
            'figures (neijuan calibrate)"',
            f'extends = "{self.config.scenario}"',
        ]
        for section, values in sections.items():
            lines.append("")
            lines.append(f"[{section}]")
            for k, v in values.items():
                p = next((p for p in self.params if p["key"] == f"{section}.{k}"), None)
                lines.append(f"{k} = {v!r}  # held fixed" if p is None else
                             f"{k} = {v!r}  # 90% interval {_fmt(p['lo'])} .. {_fmt(p['hi'])}")
        return "\n".join(lines) + "\n"


def _fmt(v: float | None) -> str:
    return "not identified" if v is None or not math.isfinite(v) else f"{v:.4g}"


def sandwich(G: np.ndarray, W: np.ndarray, omega: np.ndarray) -> np.ndarray:
    """(G'WG)^-1 G'W Omega W G (G'WG)^-1; infinite variance where G'WG is singular."""
    A = G.T @ W @ G
    d = G.shape[1]
    if not np.all(np.isfinite(A)) or np.linalg.matrix_rank(A, tol=1e-10 * max(
            1.0, float(np.abs(A).max()))) < d:
        V = np.full((d, d), np.inf)
        ok = np.abs(np.diag(A)) > 1e-12
        if ok.any():  # parameters that are identified on their own
            sub = np.linalg.pinv(A[np.ix_(ok, ok)])
            Gs = G[:, ok]
            V[np.ix_(ok, ok)] = sub @ Gs.T @ W @ omega @ W @ Gs @ sub
        return V
    Ainv = np.linalg.inv(A)
    return Ainv @ G.T @ W @ omega @ W @ G @ Ainv


def calibrate(config: CalibrationConfig, out: str | os.PathLike[str], *,
              targets: Sequence[Published] | None = None, processes: int | None = None,
              use_ray: bool = False, ray_address: str | None = None,
              progress: ProgressFn | None = None, write: bool = True,
              allow_version_change: bool = False) -> Calibration:
    """Fit ``config.params`` to the targets in the fit; write the fitted scenario and report."""
    from scipy.optimize import differential_evolution

    from neijuan.calibrate.store import ChunkStore
    from neijuan.provenance import code_version

    if not config.params:
        raise ConfigError("calibration: no parameter to fit; list them under [params] or "
                          "with --param section.key=LOW:HIGH")
    out_dir = Path(out)
    chosen = list(model_targets() if targets is None else targets)
    ev = Evaluator(config, chosen, out_dir, processes=processes, use_ray=use_ray,
                   ray_address=ray_address, progress=progress)
    store: ChunkStore = ev.store
    with store.lock(), ev.backend:
        store.open(ev.manifest, allow_version_change=allow_version_change)
        bounds = [(p.lo, p.hi) for p in config.params]
        d = len(bounds)
        ev.rows_expected = (config.seeds * (config.popsize * d * (config.maxiter + 1) + 1 + 2 * d)
                            + max(config.report_seeds, config.seeds))
        res = differential_evolution(ev, bounds, vectorized=True, updating="deferred",
                                     popsize=config.popsize, maxiter=config.maxiter,
                                     seed=config.optimizer_seed, polish=False, tol=1e-3,
                                     init="latinhypercube")
        best_i = int(np.argmin([v for _, v in ev.evaluated]))
        theta = ev.evaluated[best_i][0]
        objective = ev.evaluated[best_i][1]
        params = _intervals(ev, theta)
        report_seeds = ev.seeds(max(config.report_seeds, config.seeds))
        (frame,) = ev.rows([list(theta)], report_seeds)
    report = fit_rows(frame, chosen)
    cal = Calibration(config=config, theta=ev.point(list(theta)), objective=objective, params=params,
                      report=report, evaluations=len(ev.evaluated), converged=bool(res.success),
                      message=str(res.message),
                      provenance={"version": code_version(), "evaluations_folder":
                                  str(store.root), "fingerprint": ev.fingerprint,
                                  "fit_seeds": ev.seeds(), "report_seeds": report_seeds})
    if write:
        write_outputs(cal, out_dir)
    return cal


def _intervals(ev: Evaluator, theta: np.ndarray) -> list[dict[str, Any]]:
    """Each fitted parameter with its SMM standard error and 90% interval."""
    cfg = ev.config
    d = len(cfg.params)
    steps = np.array([cfg.step * (p.hi - p.lo) for p in cfg.params])
    plus, minus = [], []
    for i, p in enumerate(cfg.params):
        up, down = theta.copy(), theta.copy()
        up[i] = min(theta[i] + steps[i], p.hi)
        down[i] = max(theta[i] - steps[i], p.lo)
        plus.append(up)
        minus.append(down)
    # on the report's seeds (more than the fit's): a steadier Jacobian and noise covariance
    seeds = ev.seeds(max(cfg.report_seeds, cfg.seeds))
    frames = ev.rows([list(t) for t in [theta, *plus, *minus]], seeds)
    at = ev.moment_matrix(frames[0])
    G = np.column_stack([
        (ev.moment_matrix(frames[1 + i]).mean(0) - ev.moment_matrix(frames[1 + d + i]).mean(0))
        / (plus[i][i] - minus[i][i]) for i in range(d)])
    tol = np.array([m[2] for m in ev.fit_moments])
    w = np.array([m[3] for m in ev.fit_moments])
    W = np.diag(w / tol ** 2)
    sim_cov = np.cov(at, rowvar=False) if at.shape[0] > 1 else np.zeros((len(tol), len(tol)))
    omega = np.diag(tol ** 2) + np.atleast_2d(sim_cov) / at.shape[0]
    V = sandwich(G, W, omega)
    out = []
    for i, p in enumerate(cfg.params):
        se = float(math.sqrt(V[i, i])) if np.isfinite(V[i, i]) and V[i, i] >= 0 else math.inf
        identified = math.isfinite(se)
        out.append({"key": p.key, "value": float(theta[i]), "se": se if identified else None,
                    "lo": float(max(p.lo, theta[i] - Z90 * se)) if identified else None,
                    "hi": float(min(p.hi, theta[i] + Z90 * se)) if identified else None,
                    "box": [p.lo, p.hi], "identified": identified,
                    "at_bound": bool(theta[i] - p.lo < 0.01 * (p.hi - p.lo)
                                     or p.hi - theta[i] < 0.01 * (p.hi - p.lo))})
    return out


def fit_rows(frame: Any, targets: Sequence[Published]) -> list[dict[str, Any]]:
    """The fit report from per-seed rows holding ``target_<name>`` columns."""
    from neijuan.targets import compare

    moments = frame.select([c for c in frame.columns if c.startswith("target_") or c == "seed"])
    moments = moments.rename({c: c.removeprefix("target_") for c in moments.columns})
    return compare(moments, list(targets))


def write_outputs(cal: Calibration, out: Path) -> list[Path]:
    """``fitted-<scenario>.toml`` and ``fit-report.json`` in ``out``, atomically."""
    from neijuan.atomic import atomic_path, write_json

    out.mkdir(parents=True, exist_ok=True)
    toml_path = out / f"fitted-{cal.config.scenario}.toml"
    with atomic_path(toml_path) as tmp:
        tmp.write_text(cal.scenario_toml(), encoding="utf-8")
    return [toml_path, write_json(out / "fit-report.json", cal.to_dict())]
