"""The deterministic mean-field model: the engine's expected dynamics, with groups instead of rows.

Every random event of the engine is replaced by its expectation: retirement removes a share of
each group, search splits the unemployed over occupations by the application probabilities, the
contest retains or hires a share ``F(x - b)`` of each group of candidates against the bar that
makes expected winners equal positions, failures occur at their expected rates. The state is a
handful of masses and efforts:

* employed mass ``E[j]`` and the incumbents' mean effort ``eI[j]`` in each occupation j;
* unemployed mass ``U[o, t]`` by origin o (last job, or an entry pool) and last occupation
  applied to t (or none, for entrants), with its mean effort ``eU[o, t]``.

It models identical workers: one skill (log skill 0), one AI skill (0), all with a degree, and
no learning, so that the per-occupation algebra (shared with the engine through
:class:`~neijuan.sim.market.MarketBase`) sees the same inputs. :func:`identical_workers` gives the
scenario overrides under which the stochastic engine has exactly these workers; at large N the
engine must then track this model (the law of large numbers), which is how the engine's
per-person passes are checked. With ``contest.adjustment = 1`` the model is exact; otherwise
each group's effort is its mean, an approximation (log effort enters the contest).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy.special import expit, ndtr

from neijuan.config import Scenario
from neijuan.errors import ConfigError
from neijuan.sim import kernels as kern
from neijuan.sim import libm
from neijuan.sim import steps as alg
from neijuan.sim.economy import Economy
from neijuan.sim.effort import A_MAX, A_MIN, LOGISTIC, N_A, NO_EFFORT, rows_for
from neijuan.sim.market import ContestOutcome, MarketBase, WorkOutcome, log_wage_bins

F64 = NDArray[np.float64]


def identical_workers() -> dict[str, Any]:
    """Scenario overrides under which every person has the same skill, AI skill, degree and
    standing (blame marks do not count in the contest) and nobody learns: the population the
    mean-field model describes."""
    return {
        "labour.skill_sd": 0.0, "labour.degree_skill_gap": 0.0, "labour.sorting": 0.0,
        "labour.degree_share": 1.0, "labour.entrant_degree_share": 1.0,
        "labour.entrant_degree_trend": 0.0, "labour.ai_skill_mean": 0.0,
        "labour.specialist_ai_skill": 0.0, "labour.entrant_ai_skill_max": 0.0,
        "learning.share": 0.0, "learning.obsolescence": 0.0,
        # a blame mark makes the blamed differ from the rest: records are not identical
        "agency.blame_penalty": 0.0,
    }


def _check_identical(sc: Scenario) -> None:
    expected = identical_workers()
    for key, value in expected.items():
        section, name = key.split(".")
        actual = getattr(getattr(sc, section), name)
        if actual != value:
            raise ConfigError(
                f"the mean-field model describes identical workers: {key} = {actual} must be "
                f"{value} (apply neijuan.theory.meanfield.identical_workers() as overrides)")


def _lookup(rows: F64, a: F64) -> F64:
    """Vectorised :func:`neijuan.sim.effort.lookup`: ``rows`` (groups, N_A), ``a`` (groups,)."""
    step = (A_MAX - A_MIN) / (N_A - 1)
    pos = np.clip((a - A_MIN) / step, 0.0, None)
    j = np.minimum(pos.astype(np.int64), N_A - 2)
    w = pos - j
    idx = np.arange(rows.shape[0])
    lo, hi = rows[idx, j], rows[idx, j + 1]
    inside = lo + w * (hi - lo)
    nearer = np.where(w < 0.5, lo, hi)
    out = np.where((lo < NO_EFFORT / 2) | (hi < NO_EFFORT / 2), nearer, inside)
    above = pos > N_A - 1
    slope = (rows[idx, N_A - 1] - rows[idx, N_A - 2]) / step
    out = np.where(above, rows[idx, N_A - 1] + slope * (a - A_MAX), out)
    return np.where(a <= A_MIN, rows[idx, 0], out)


class MeanFieldMarket(MarketBase):
    """Expected dynamics of the engine for identical workers (deterministic)."""

    def __init__(self, scenario: Scenario, economy: Economy, seed: int = 0) -> None:
        _check_identical(scenario)
        super().__init__(scenario, economy, seed)
        n = economy.n_occ
        lab = scenario.labour
        n0 = float(scenario.run.workers)
        self.n_origin = n + 2
        employed = (1.0 - lab.initial_unemployment) * n0 * economy.occ_share
        self.E = employed.copy()
        self.eI = np.full(n, self.effort0)
        # unemployed by origin x last target (column n = no target yet)
        self.U = np.zeros((self.n_origin, n + 1))
        self.U[np.arange(n), np.arange(n)] = lab.initial_unemployment * n0 * economy.occ_share
        self.eU = np.full((self.n_origin, n + 1), self.effort0)
        self.n_wage_bins, self.log_wage_min, self.log_wage_max = log_wage_bins()
        self.calibrate(employed, employed.copy())

    # --------------------------------------------------------------------------- the contest
    def _success(self, x: F64) -> F64:
        return expit(x) if self.kind == LOGISTIC else ndtr(x)

    def _solve_bar(self, x: F64, mass: F64, positions: F64) -> F64:
        """Per occupation, b with sum_g mass_g F(x_g - b) = M (groups along axis 1)."""
        total = mass.sum(axis=1)
        contested = total > positions
        bar = np.full(positions.size, kern.NO_BAR)
        if not contested.any():
            return bar
        xs, ms, target = x[contested], mass[contested], positions[contested]
        present = ms > 0
        lo = np.where(present, xs, np.inf).min(axis=1) - 60.0
        hi = np.where(present, xs, -np.inf).max(axis=1) + 60.0
        for _ in range(200):
            mid = 0.5 * (lo + hi)
            won = (ms * self._success(xs - mid[:, None])).sum(axis=1)
            lo = np.where(won > target, mid, lo)
            hi = np.where(won > target, hi, mid)
            if np.all(hi - lo < 1e-12):
                break
        bar[contested] = 0.5 * (lo + hi)
        return bar

    def _best_response(self, rows: F64, occ: NDArray[np.int64], k: F64, prize: F64, bar: F64,
                       noise: F64) -> F64:
        """Best-response effort of groups contesting occupations ``occ`` with signal ``k``."""
        c = self.sc.contest
        b = bar[occ]
        sig = noise[occ]
        v = prize[occ]
        ok = (b > kern.NO_BAR) & (v > 0)
        with np.errstate(divide="ignore", invalid="ignore"):
            a = libm.log(np.where(ok, v, 1.0) * c.r / (sig * c.effort_cost)) - (sig * b - k) / c.r
            zs = _lookup(rows[occ], np.where(ok, a, A_MIN))
            e = libm.exp(np.minimum((sig * (zs + b) - k) / c.r, 700.0))
        e = np.where(zs > NO_EFFORT / 2, np.minimum(e, c.max_effort), 0.0)
        return np.where(ok, e, 0.0)

    def step(self) -> None:
        """One quarter, in the engine's order, with expectations in place of draws."""
        sc, econ = self.sc, self.econ
        c = sc.contest
        n = econ.n_occ
        ai = self.phase_ai()
        prod = self.phase_production(ai, self.E.copy(), self.E.copy())
        positions = self.phase_positions(prod)

        # 4. retirement, separations and entry
        hazard = 1.0 / (4.0 * sc.labour.working_years)
        keep = 1.0 - hazard
        retired = hazard * (self.E.sum() + self.U.sum())
        separated = sc.labour.separation * self.E
        self.U *= keep
        # the separated join the unemployed with their occupation as origin, no target yet
        old = self.U[np.arange(n), n]
        self.eU[np.arange(n), n] = np.where(
            old + separated > 0, (old * self.eU[np.arange(n), n] + separated * self.eI)
            / np.maximum(old + separated, 1e-300), self.eI)
        self.U[np.arange(n), n] = old + separated
        self.E = self.E * (keep - sc.labour.separation)
        n_entrants, degree_share, _ = self.entry_plan(float(self.E.sum() + self.U.sum()), ai)
        for d, share in ((0, 1.0 - degree_share), (1, degree_share)):
            pool = n + d
            add = n_entrants * share
            old = self.U[pool, n]
            self.eU[pool, n] = (np.where(old + add > 0, (old * self.eU[pool, n] + add * self.effort0)
                                         / max(old + add, 1e-300), self.effort0))
            self.U[pool, n] = old + add

        # 5. search and the contest
        cdf, noise, scr = self.phase_screen(ai, positions, 1.0, 0.0, 1e-9)
        assert cdf is not None  # (asked for)
        probs = np.diff(np.concatenate([np.zeros((self.n_origin, 1)), cdf[1]], axis=1), axis=1)
        probs = np.clip(probs, 0.0, None)
        adv = c.incumbent_advantage
        # groups contesting occupation j: incumbents, then each (origin, last target) cell
        u_flat = self.U.reshape(-1)
        e_flat = self.eU.reshape(-1)
        origin_of_cell = np.repeat(np.arange(self.n_origin), n + 1)
        app_mass = u_flat[None, :] * probs[origin_of_cell].T          # (n, cells)
        app_x = (c.r * libm.log(np.maximum(e_flat, kern.EFFORT_FLOOR)))[None, :] / noise[:, None]
        inc_x = (c.r * libm.log(np.maximum(self.eI, kern.EFFORT_FLOOR)) + adv) / noise
        mass = np.concatenate([self.E[:, None], app_mass], axis=1)
        x = np.concatenate([inc_x[:, None], np.broadcast_to(app_x, app_mass.shape)], axis=1)
        applicants_pre = app_mass.sum(axis=1)
        fillable, openings, contested = self.frictional_positions(
            positions, self.E + applicants_pre, applicants_pre)
        bar = self._solve_bar(x, mass, fillable)
        win = np.where(bar[:, None] > kern.NO_BAR, self._success(x - bar[:, None]), 1.0)
        won = mass * win
        retained = won[:, 0]
        hires = won[:, 1:].sum(axis=1)
        applicants = app_mass.sum(axis=1)
        candidates = self.E + applicants
        lost_inc = self.E - retained
        effort_sum = self.E * self.eI + (app_mass * e_flat[None, :]).sum(axis=1)

        # 6. efforts move toward the best responses for the next contest in the same occupation
        value = prod.price * prod.out.mpl * ai.aug_scale
        bargaining = self.bargaining(positions, candidates)
        wage = bargaining * value + (1.0 - bargaining) * self.outside
        prize = self.horizon() * np.maximum(wage - self.benefit, 0.0)
        rows = rows_for(noise / c.r, self.kind)
        occ = np.arange(n)
        br_inc = self._best_response(rows, occ, np.full(n, adv), prize, bar, noise)
        br_app = self._best_response(rows, occ, np.zeros(n), prize, bar, noise)
        psi = c.adjustment
        incumbent_prior = self.eI.copy()
        new_E = retained + hires
        winners_effort = retained * incumbent_prior + (won[:, 1:] * e_flat[None, :]).sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            mean_prior = np.where(new_E > 0, winners_effort / np.maximum(new_E, 1e-300),
                                  incumbent_prior)
        self.eI = mean_prior + psi * (br_inc - mean_prior)
        # losers: unemployed with their origin (the incumbents' origin is j) and last target j
        lost_app = app_mass - won[:, 1:]                                # (n, cells)
        lost_by_origin = np.zeros((self.n_origin, n))
        effort_by_origin = np.zeros((self.n_origin, n))
        for o in range(self.n_origin):
            cells = origin_of_cell == o
            lost_by_origin[o] = lost_app[:, cells].sum(axis=1)
            effort_by_origin[o] = (lost_app[:, cells] * e_flat[None, cells]).sum(axis=1)
        lost_by_origin[occ, occ] += lost_inc
        effort_by_origin[occ, occ] += lost_inc * incumbent_prior
        with np.errstate(invalid="ignore", divide="ignore"):
            prior = np.where(lost_by_origin > 0, effort_by_origin / np.maximum(lost_by_origin,
                                                                                1e-300), 0.0)
        self.U = np.zeros_like(self.U)
        self.eU = np.zeros_like(self.eU)
        self.U[:, :n] = lost_by_origin
        self.eU[:, :n] = prior + psi * (br_app[None, :] - prior)

        # 8-9. wages, agency and expected blame
        keep_time = ai.keep_time  # (1 - review)
        a = np.clip(ai.mix.agency0, 0.0, 1.0) * keep_time
        wage_sum = new_E * wage
        counts = np.zeros(self.n_wage_bins)
        bins = ((libm.log(np.maximum(wage, 1e-6)) - self.log_wage_min)
                / (self.log_wage_max - self.log_wage_min) * self.n_wage_bins).astype(np.int64)
        np.add.at(counts, np.clip(bins, 0, self.n_wage_bins - 1), new_E)
        human = float((new_E * ai.mix.human0 * keep_time).sum())
        machine = float((new_E * ai.mix.machine0).sum())
        f_h = sc.agency.human_failure_rate * human
        f_m_occ = sc.agency.ai_failure_rate * new_E * ai.mix.machine0 * ai.pass_rate
        f_m = float(f_m_occ.sum())
        f_mb = float((f_m_occ * ai.blame_prob).sum())
        replaceable = self.replaceable_where_shrinking(ai, positions)
        needed = a - np.where(wage > ai.ai_unit_cost, replaceable * keep_time, 0.0)
        work = WorkOutcome(
            wage_sum=wage_sum, ai_n=np.zeros(n), ai_log_wage=np.zeros(n), non_ai_n=new_E,
            non_ai_log_wage=new_E * libm.log(np.maximum(wage, 1e-6)), agency_sum=new_E * a,
            skill_wage=np.zeros((n, 4)),
            retained_not_needed=np.where(needed < sc.agency.threshold, new_E, 0.0),
            blame=np.array([human, machine, f_h, f_m, f_mb]),
            wage_gini=alg.gini_from_histogram(counts, self.log_wage_min, self.log_wage_max))
        contest = ContestOutcome(
            positions=positions, candidates=candidates, applicants=applicants, hires=hires,
            separations=lost_inc, employed=new_E, effort_sum=effort_sum,
            prize_won=new_E * prize, bar=bar)
        self.E = new_E
        self.close_period(prod, contest, work)
        self.record(ai, prod, contest, work, scr, value,
                    labour_force=float(self.E.sum() + self.U.sum()), entered=float(n_entrants),
                    retired=float(retired), separated=float(separated.sum()), openings=openings,
                    contested_openings=contested, skill_mean=0.0, depreciation=0.0)
        self.period += 1


def mean_field(scenario: Scenario, economy: Economy) -> MeanFieldMarket:
    """Run the mean-field model of a scenario (with identical workers) to the end."""
    model = MeanFieldMarket(scenario, economy)
    model.run()
    return model


__all__ = ["MeanFieldMarket", "identical_workers", "mean_field"]
