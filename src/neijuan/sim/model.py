"""One replication: the population, the economy's state, and the nine steps of a period in order.

:class:`LabourMarket` follows Mesa's vocabulary (a model with ``step()``), but its agents are rows
of arrays: each step calls a compiled pass over all rows (:mod:`neijuan.sim.kernels`) and plain
NumPy on per-occupation arrays (:mod:`neijuan.sim.steps`). It records, each period, the raw sums
from which :mod:`neijuan.sim.figures` defines every figure.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
from numpy.typing import NDArray

from neijuan.config import Scenario
from neijuan.sim import kernels as kern
from neijuan.sim import steps as alg
from neijuan.sim.economy import Economy
from neijuan.sim.effort import LOGISTIC, NORMAL, rows_for
from neijuan.sim.rng import (
    STREAM_ENTRY,
    STREAM_FAILURE,
    STREAM_INIT,
    STREAM_NOISE,
    STREAM_RETIRE,
    STREAM_ROUND,
    STREAM_SEARCH,
    STREAM_SELECT,
    STREAM_TEST,
    STREAM_TRIM,
    stream_key,
)
from neijuan.sim.state import EMPLOYED, OUT, UNEMPLOYED, Population, capacity_for

F64 = NDArray[np.float64]

N_SCORE_BINS = 1024
SCORE_HALF_WIDTH = 40.0
N_WAGE_BINS = 4096
LOG_WAGE_MIN, LOG_WAGE_MAX = math.log(1e-3), math.log(1e3)
OPENINGS_FLOOR = 0.01     # every occupation keeps 1% of its positions' weight in search
INITIAL_FINDING = 0.4       # quarterly job-finding rate assumed before the first period
INITIAL_SEPARATION = 0.04   # quarterly separation rate assumed before the first period
FLOW_SMOOTHING = 0.5        # weight of the past in the smoothed flow rates
MAX_PRIZE_QUARTERS = 80.0   # cap on the value of a job, quarters of rent
SPECIALIST_Z_GAIN = 1.0   # efficiency of AI-specialist roles rises with AI skill: (1 + z)


def _largest_remainder(shares: F64, total: int) -> NDArray[np.int64]:
    raw = shares * total
    base = np.floor(raw).astype(np.int64)
    short = total - int(base.sum())
    if short > 0:
        base[np.argsort(-(raw - base))[:short]] += 1
    return base


class LabourMarket:
    """The simulated economy for one seed."""

    def __init__(self, scenario: Scenario, economy: Economy, seed: int) -> None:
        self.sc = scenario
        self.econ = economy
        self.seed = int(seed)
        run = scenario.run
        self.total_periods = run.burn_in + run.periods
        self.period = 0
        capacity = capacity_for(run.workers, scenario.labour.growth, self.total_periods)
        self.pop = Population.allocate(capacity)
        self.kind = LOGISTIC if scenario.contest.rule == "tullock" else NORMAL
        n = economy.n_occ
        self.spec_gain = np.where(economy.occ_tier == 3, SPECIALIST_Z_GAIN, 0.0)
        self.adoption = np.zeros(economy.n_tasks)
        self.eta = (np.full(economy.n_sectors, scenario.demand.eta) if scenario.demand.eta
                    is not None else economy.sector_eta)[economy.occ_sector]
        # per-occupation working arrays
        self.employed = np.zeros(n)
        self.efficiency_units = np.zeros(n)
        self.hist_n = np.zeros((n, N_SCORE_BINS))
        self.hist_x = np.zeros((n, N_SCORE_BINS))
        self.candidates = np.zeros(n)
        self.applicants = np.zeros(n)
        self.effort_sum = np.zeros(n)
        self.n_won = np.zeros(n)
        self.hires = np.zeros(n)
        self.separations = np.zeros(n)
        self.prize_won = np.zeros(n)
        self.degree_stats = np.zeros((2, 3))
        self.learning_stats = np.zeros(2)
        self.occ_sums = np.zeros((n, 9))
        self.wage_hist = np.zeros(N_WAGE_BINS)
        self.blame_sums = np.zeros(5)
        self.records: dict[str, list[float]] = {}
        self.occ_records: dict[str, list[F64]] = {}
        self._initialise()

    # ------------------------------------------------------------------------------ start-up
    def _key(self, stream: int, period: int | None = None) -> np.uint64:
        return stream_key(self.seed, self.period if period is None else period, stream)

    def _initialise(self) -> None:
        """Draw the initial labour force and calibrate the pre-AI equilibrium so that each
        occupation's mean wage equals its base wage and its positions equal its employment."""
        sc, econ, pop = self.sc, self.econ, self.pop
        lab = sc.labour
        n0 = sc.run.workers
        n_emp = round(n0 * (1.0 - lab.initial_unemployment))
        occ_of_row = np.concatenate([
            np.repeat(np.arange(econ.n_occ), _largest_remainder(econ.occ_share, n_emp)),
            np.repeat(np.arange(econ.n_occ), _largest_remainder(econ.occ_share, n0 - n_emp)),
        ])
        rows = np.arange(n0)
        pop.status[:n0] = np.where(rows < n_emp, EMPLOYED, UNEMPLOYED)
        pop.occ[:n0] = occ_of_row
        pop.origin[:n0] = occ_of_row
        rng = np.random.default_rng([self.seed, STREAM_INIT])
        # degree: propensity rising with the occupation's wage, licensed occupations all hold one
        log_w = np.log(econ.occ_wage)
        lo, hi = -20.0, 20.0
        for _ in range(80):
            a = 0.5 * (lo + hi)
            p = np.where(econ.occ_licensed, 1.0, 1.0 / (1.0 + np.exp(-(a + 3.0 * log_w))))
            if (econ.occ_share * p).sum() > lab.degree_share:
                hi = a
            else:
                lo = a
        p_deg = p[occ_of_row]
        pop.degree[:n0] = (rng.random(n0) < p_deg).astype(np.uint8)
        d_mean = float(pop.degree[:n0].mean())
        pop.log_skill[:n0] = (lab.degree_skill_gap * (pop.degree[:n0] - d_mean)
                              + lab.sorting * (log_w[occ_of_row] - (econ.occ_share * log_w).sum())
                              + lab.skill_sd * rng.standard_normal(n0))
        z_mean = np.where(econ.occ_tier[occ_of_row] == 3, lab.specialist_ai_skill,
                          lab.ai_skill_mean)
        pop.ai_skill[:n0] = np.minimum(1.0, rng.exponential(1.0, n0) * z_mean)
        c = sc.contest
        p_keep = 1.0 - lab.initial_unemployment
        # a first guess of effort: the symmetric Tullock equilibrium at the initial retention rate
        self.finding = np.full(econ.n_occ, INITIAL_FINDING)
        self.separation = np.full(econ.n_occ, INITIAL_SEPARATION)
        prize = (1.0 - sc.wages.replacement) / (c.discount + INITIAL_FINDING + INITIAL_SEPARATION)
        self.effort0 = float(min(c.r * prize * p_keep * (1 - p_keep) / (c.noise * c.effort_cost),
                                 c.max_effort))
        pop.effort[:n0] = self.effort0
        # calibration of the pre-AI equilibrium
        self.benefit = sc.wages.replacement * 1.0
        self.occ_mean_wage = econ.occ_wage.copy()
        self.outside = self._outside_options()
        kern.production_pass(pop.status, pop.occ, pop.log_skill, pop.ai_skill,
                             np.zeros(econ.n_occ), self.spec_gain, self.employed,
                             self.efficiency_units)
        e0, h0 = self.employed.copy(), self.efficiency_units.copy()
        beta = sc.wages.bargaining * (1.0 - lab.initial_unemployment) ** sc.wages.competition
        alpha = sc.production.land_share
        mean_h = h0 / np.maximum(e0, 1.0)
        self.tfp = (econ.occ_wage - (1.0 - beta) * self.outside) / (beta * (1.0 - alpha) * mean_h)
        if np.any(self.tfp <= 0):
            raise ValueError("calibration failed: a base wage is below the outside option share")
        self.land = h0.copy()
        self.output0 = self.tfp * h0
        self.demand_scale = self.output0.copy()
        self.productivity0 = self.output0 / np.maximum(e0, 1.0)
        self.productivity = self.productivity0.copy()
        self.human_cost0 = econ.occ_wage / mean_h  # wage per efficiency unit before AI
        self.human_cost = self.human_cost0.copy()
        self.consumption_weight = self.output0 / self.output0.sum()
        self.price = np.ones(econ.n_occ)
        self.positions = e0.copy()
        self.positions_last = e0.copy()
        self.hires_last = 0.05 * e0
        self.employed_last = e0.copy()
        self.ai_spend = 0.0
        self.labour_force0 = float(n0)
        self.center = np.zeros(econ.n_occ)
        self.mean_wage = 1.0
        self.capability = 0.0
        self.skill_depreciation = 0.0
        self.tier_of_occ = econ.occ_tier
        stats = np.zeros((2, 3))
        for d in (0, 1):
            ls = pop.log_skill[:n0][pop.degree[:n0] == d].astype(np.float64)
            stats[d] = (ls.size, ls.sum(), (ls * ls).sum())
        self._degree_moments(stats)

    def _degree_moments(self, stats: F64) -> None:
        """Degree-group means of log skill and the pooled within-group variance (the screen's
        prior), from counts, sums and sums of squares."""
        n = np.maximum(stats[:, 0], 1.0)
        mean = stats[:, 1] / n
        var = np.maximum(stats[:, 2] / n - mean**2, 1e-9)
        self.degree_mean = mean
        self.within_var = float((var * stats[:, 0]).sum() / max(stats[:, 0].sum(), 1.0))
        total = max(stats[:, 0].sum(), 1.0)
        self.degree_share = float(stats[1, 0] / total)
        self.degree_gap = float(mean[1] - mean[0]) if stats[1, 0] and stats[0, 0] else 0.0

    def _outside_options(self) -> F64:
        """Step 8: each occupation's outside option, the flow value of unemployment
        rU = b + lambda (w - b), lambda = f / (r + s + f) (a job-search asset value: with fewer
        jobs to find, f falls and so do the outside option and the wage)."""
        r = self.sc.contest.discount
        lam = self.finding / (r + self.separation + self.finding)
        return self.benefit + lam * np.maximum(self.occ_mean_wage - self.benefit, 0.0)

    def _recalibrate(self, employed: F64) -> None:
        """Burn-in only: nudge each occupation's productivity level so that its mean wage settles
        at the base wage of the economy file once flows and effort have found their equilibrium
        (output, demand and prices scale with it, so positions are unchanged)."""
        have = employed > 0
        factor = np.where(have, np.sqrt(self.econ.occ_wage / np.maximum(self.occ_mean_wage,
                                                                          1e-9)), 1.0)
        factor = np.clip(factor, 0.8, 1.25)
        for name in ("tfp", "output0", "demand_scale", "productivity0", "productivity"):
            setattr(self, name, getattr(self, name) * factor)
        self.human_cost0 = self.human_cost.copy()

    def _bargaining(self, positions: F64, candidates: F64) -> F64:
        """Step 8: workers' share of the marginal revenue product, eroded by competition for
        positions: beta * (M / N)^xi (with more candidates per position a firm can replace a
        worker more easily, so it concedes less of the rent)."""
        with np.errstate(invalid="ignore", divide="ignore"):
            retention = np.where(candidates > 0, np.minimum(positions / np.maximum(candidates, 1.0),
                                                            1.0), 1.0)
        return self.sc.wages.bargaining * retention ** self.sc.wages.competition

    def _horizon(self) -> F64:
        """Quarters of wage rent a job is worth over unemployment: 1 / (r + s + f)."""
        r = self.sc.contest.discount
        return np.minimum(1.0 / (r + self.separation + self.finding), MAX_PRIZE_QUARTERS)

    # ------------------------------------------------------------------------------ a period
    @property
    def years(self) -> float:
        """Years since the start of the measured window (negative during the burn-in)."""
        return (self.period - self.sc.run.burn_in) / 4.0

    def labour_force_target(self, period: int) -> float:
        return self.labour_force0 * (1.0 + self.sc.labour.growth) ** (period / 4.0)

    def step(self) -> None:
        """One quarter: the nine steps of MODEL.md §2, in order."""
        sc, econ, pop = self.sc, self.econ, self.pop
        rec: dict[str, float] = {}
        occ_rec: dict[str, F64] = {}
        years = self.years

        # 1. capability and adoption -------------------------------------------------------
        capability = alg.capability(years, sc.ai)
        # obsolescence follows the growth of capability within the AI era (not its arrival)
        d_capability = max(capability - self.capability, 0.0) if years > 0 else 0.0
        self.capability = capability
        cost_ratio = alg.ai_cost_ratio(years, sc.ai)
        ai_price = cost_ratio * self.human_cost0
        if sc.ai.enabled and years >= 0:
            cheaper = ai_price < self.human_cost
            allowed = (capability >= econ.task_threshold) & cheaper[econ.task_occ]
            speed = econ.sector_speed[econ.occ_sector][econ.task_occ]
            self.adoption = alg.bass_adoption(self.adoption, allowed, speed, sc.adoption.innovation,
                                            sc.adoption.imitation, 0.25)
        automation, augmentation = alg.biased_split(econ.task_automation, econ.task_augmentation,
                                                  sc.ai.automation_bias)
        mix = alg.task_mix(econ, self.adoption, automation, augmentation, sc.agency)
        # uplift of augmented work, u (w0 + (1 - w0) z) on the augmented share G of the work:
        # efficiency = s (1 + G u w0 + G u (1 - w0) z) = aug_scale * s * (1 + aug_gain * z); the
        # kernels see aug_gain, and aug_scale multiplies efficiency units and their value
        aug_scale = 1.0 + mix.augmented * sc.ai.uplift * sc.ai.uplift_without_skill
        aug_gain = mix.augmented * sc.ai.uplift * (1.0 - sc.ai.uplift_without_skill) / aug_scale

        # 2. production ---------------------------------------------------------------------
        kern.production_pass(pop.status, pop.occ, pop.log_skill, pop.ai_skill, aug_gain,
                          self.spec_gain, self.employed, self.efficiency_units)
        employed, units = self.employed.copy(), self.efficiency_units * aug_scale
        price = alg.prices(self.productivity, self.productivity0, employed, self.positions_last,
                         self.eta, sc.demand.kappa)
        out = alg.produce(units, mix.labour_share, ai_price, price, self.tfp, self.land,
                        sc.production.land_share, sc.production.sigma)
        with np.errstate(divide="ignore", invalid="ignore"):
            productivity = np.where(employed > 0, out.output / np.maximum(employed, 1.0),
                                    self.productivity)
        self.productivity = productivity
        self.price = price
        ai_spend = float((ai_price * out.ai_input).sum())

        # 3. demand and positions --------------------------------------------------------------
        scale = (self.labour_force_target(self.period) / self.labour_force0
                 if sc.demand.growth_with_labour else 1.0)
        demand = self.demand_scale * scale * price ** (-self.eta)
        specialist = econ.occ_tier == 3
        if specialist.any() and sc.ai.specialist_demand > 0:
            spec_share = self.output0[specialist] / self.output0[specialist].sum()
            demand[specialist] += sc.ai.specialist_demand * self.ai_spend * spec_share / np.maximum(
                price[specialist], 1e-9)
        self.ai_spend = ai_spend
        wanted = alg.positions_needed(demand, out.output, employed, productivity,
                                    sc.production.land_share)
        jitter = np.random.default_rng([self.seed, STREAM_ROUND, self.period]).random(econ.n_occ)
        positions = np.floor(wanted + jitter)

        # 4. labour supply --------------------------------------------------------------------
        hazard = 1.0 / (4.0 * sc.labour.working_years)
        retired = kern.retire_pass(pop.status, pop.wage, self._key(STREAM_RETIRE), hazard)
        in_force = int(np.count_nonzero(pop.status != OUT))
        n_entrants = max(round(self.labour_force_target(self.period + 1) - in_force), 0)
        degree_share_entrants = float(np.clip(
            sc.labour.entrant_degree_share + sc.labour.entrant_degree_trend * max(
                self.period / 4.0, 0.0), 0.0, 1.0))
        adoption_level = float((mix.ai_use * econ.occ_share).sum())
        z_entrants = sc.labour.ai_skill_mean + (
            sc.labour.entrant_ai_skill_max - sc.labour.ai_skill_mean) * adoption_level
        entered = kern.entry_pass(
            pop.status, pop.occ, pop.origin, pop.degree, pop.log_skill, pop.ai_skill, pop.effort,
            pop.wage, pop.tenure, pop.agency, pop.failures, pop.blamed, n_entrants,
            self._key(STREAM_ENTRY), self._key(STREAM_ENTRY + 100), degree_share_entrants, 0.0,
            sc.labour.skill_sd, sc.labour.degree_skill_gap, max(z_entrants, 1e-6),
            self.effort0, econ.n_occ)

        # 5. search, screening and the contest --------------------------------------------------
        # openings: last quarter's hires plus positions not filled now (vacancies)
        openings = self.hires_last + np.maximum(positions - self.employed_last, 0.0) + (
            OPENINGS_FLOOR * positions)
        cdf = alg.search_cdf(econ, openings)
        noise = sc.contest.noise * (1.0 - sc.ai.monitoring * mix.firm_adoption)
        scr = alg.screen(sc, econ, mix, self.degree_share, self.degree_gap, self.within_var)
        kern.score_pass(pop.status, pop.occ, pop.origin, pop.degree, pop.log_skill, pop.ai_skill,
                     pop.effort, pop.score, pop.signal, cdf, self._key(STREAM_SEARCH),
                     self._key(STREAM_TEST), self._key(STREAM_NOISE), self.degree_mean,
                     scr.bayes_weight, scr.test_sd, aug_gain, self.spec_gain,
                     sc.contest.productivity_weight, sc.contest.incumbent_advantage,
                     sc.contest.r, noise, self.kind == NORMAL, self.center, SCORE_HALF_WIDTH,
                     self.hist_n, self.hist_x, self.candidates, self.applicants, self.effort_sum)
        candidates = self.candidates.copy()
        if self.kind == LOGISTIC:
            bar = alg.solve_bars(self.hist_n, self.hist_x, positions, candidates)
            kern.select_lottery_pass(pop.status, pop.occ, pop.score, bar, pop.won, self.n_won,
                                  self._key(STREAM_SELECT))
            if np.any(self.n_won > positions):
                kern.trim_pass(pop.status, pop.occ, pop.won, positions, self.n_won,
                            self._key(STREAM_TRIM))
        else:
            bar, cut, take, in_cut = alg.top_m_cut(self.hist_n, self.hist_x, positions, candidates)
            kern.select_top_pass(pop.status, pop.occ, pop.score, bar, self.center, SCORE_HALF_WIDTH,
                              N_SCORE_BINS, cut, take, in_cut, pop.won, self.n_won,
                              self._key(STREAM_SELECT))
        with np.errstate(invalid="ignore", divide="ignore"):
            self.center = np.where(candidates > 0, self.hist_x.sum(axis=1) / np.maximum(
                candidates, 1.0), self.center)

        # 6-7. effort toward the best response, learning and obsolescence ----------------------
        value = price * out.mpl * aug_scale  # marginal revenue product of a kernel unit
        bargaining = self._bargaining(positions, candidates)
        ai_focus = sc.learning.ai_focus * np.minimum(mix.ai_use + (econ.occ_tier == 3), 1.0)
        br_rows = rows_for(noise / sc.contest.r, self.kind)
        depreciation = self.skill_depreciation + sc.learning.obsolescence * d_capability
        kern.settle_pass(pop.status, pop.occ, pop.origin, pop.degree, pop.tenure, pop.won, pop.score,
                      pop.signal, pop.effort, pop.log_skill, pop.ai_skill, pop.wage, bar, noise,
                      br_rows, value, aug_gain, self.spec_gain, bargaining,
                      self.benefit, self.outside, self._horizon(), sc.contest.r,
                      sc.contest.effort_cost, sc.contest.adjustment, sc.contest.max_effort,
                      sc.contest.incumbent_advantage, sc.learning.share, sc.learning.skill_rate,
                      depreciation, sc.learning.ai_rate, ai_focus,
                      sc.learning.ai_skill_depreciation / 4.0, self.hires, self.separations,
                      self.prize_won,
                      self.degree_stats, self.learning_stats)
        if years < 0 or self.period == 0:
            # pre-AI: skill depreciation matches average learning, so the pre-AI economy is on
            # a balanced path; frozen once AI arrives
            self.skill_depreciation = self.learning_stats[0] / max(self.learning_stats[1], 1.0)
        self._degree_moments(self.degree_stats)

        # 8-9. wages, agency, credit and blame --------------------------------------------------
        blame_ai = sc.agency.liability if sc.agency.liability_rule == "confirmer" else 0.0
        kern.wage_agency_pass(pop.status, pop.occ, pop.log_skill, pop.ai_skill, pop.wage, pop.agency,
                           pop.failures, pop.blamed, value, aug_gain, self.spec_gain,
                           bargaining, self.outside, mix.agency0, mix.agency1,
                           mix.human0, mix.human1, mix.machine0, mix.machine1,
                           sc.agency.human_failure_rate, sc.agency.ai_failure_rate, blame_ai,
                           sc.agency.threshold, sc.screening.ai_skill_threshold,
                           self._key(STREAM_FAILURE), LOG_WAGE_MIN, LOG_WAGE_MAX,
                           self.occ_sums, self.wage_hist, self.blame_sums)
        new_employed = self.n_won.copy()
        wage_sum = self.occ_sums[:, 0]
        total_employed = float(new_employed.sum())
        mean_wage = float(wage_sum.sum() / max(total_employed, 1.0))
        with np.errstate(invalid="ignore", divide="ignore"):
            eff_per_worker = np.where(employed > 0, units / np.maximum(employed, 1.0), 1.0)
            wage_per_unit = np.where(new_employed > 0,
                                     wage_sum / np.maximum(new_employed, 1.0) / eff_per_worker,
                                     self.human_cost)
        self.human_cost = wage_per_unit
        self.mean_wage = mean_wage
        # labour-market flows: job-finding of applicants and separation of incumbents, smoothed
        applicants = self.applicants
        incumbents = candidates - applicants
        with np.errstate(invalid="ignore", divide="ignore"):
            finding = np.where(applicants > 0, self.hires / np.maximum(applicants, 1.0), 1.0)
            separation = np.where(incumbents > 0, self.separations / np.maximum(incumbents, 1.0),
                                  0.0)
        self.finding = FLOW_SMOOTHING * self.finding + (1 - FLOW_SMOOTHING) * finding
        self.separation = FLOW_SMOOTHING * self.separation + (1 - FLOW_SMOOTHING) * separation
        self.occ_mean_wage = np.where(new_employed > 0, wage_sum / np.maximum(new_employed, 1.0),
                                      self.occ_mean_wage)
        self.benefit = sc.wages.replacement * mean_wage
        self.outside = self._outside_options()
        if years < 0:
            self._recalibrate(new_employed)

        # bookkeeping for the next period
        self.positions_last = positions
        self.hires_last = self.hires.copy()
        self.employed_last = new_employed

        # records: raw sums from which figures.py defines every figure
        cpi = float((self.consumption_weight * price).sum())
        hires = self.hires
        hires_total = max(float(hires.sum()), 1e-12)
        tiers = self.tier_of_occ
        sector = econ.occ_sector
        revenue = price * out.output
        rec.update(
            period=float(self.period), years=years, capability=capability, ai_cost=cost_ratio,
            adoption=adoption_level,
            labour_force=float(np.count_nonzero(pop.status != OUT)),
            employed=total_employed, employed_at_production=float(employed.sum()),
            positions=float(positions.sum()), candidates=float(candidates.sum()),
            applicants=float(self.applicants.sum()), hires=float(hires.sum()),
            entrants=float(entered), retirements=float(retired),
            output=float(out.output.sum()), revenue=float(revenue.sum()), ai_spend=ai_spend,
            cpi=cpi, wage_bill=float(wage_sum.sum()), mean_wage=mean_wage,
            effort_total=float(self.effort_sum.sum()),
            prize_won=float(self.prize_won.sum()), effort_cost=sc.contest.effort_cost,
            mpl_total=float((value * units).sum() / max(cpi, 1e-12)),
            mpl_real_total=float((out.mpl * units).sum()),
            land=float(self.land.sum()),
            degree_weight=float((scr.degree_weight * hires).sum() / hires_total),
            degree_required=float((scr.degree_required * hires).sum() / hires_total),
            degree_required_ai=float((scr.degree_required_ai * hires * np.where(
                tiers == 3, 1.0, mix.firm_augment)).sum() / max(float((hires * np.where(
                    tiers == 3, 1.0, mix.firm_augment)).sum()), 1e-12)),
            ai_postings=float((np.where(tiers == 3, 1.0, mix.firm_augment) * hires).sum()
                              / hires_total),
            ai_premium_log=alg.within_occupation_premium(self.occ_sums[:, 1], self.occ_sums[:, 2],
                                                       self.occ_sums[:, 3], self.occ_sums[:, 4]),
            ai_skilled=float(self.occ_sums[:, 1].sum()),
            agency_sum=float(self.occ_sums[:, 5].sum()),
            retained_not_needed=float(self.occ_sums[:, 6].sum()),
            human_volume=self.blame_sums[0], machine_volume=self.blame_sums[1],
            failures_human=self.blame_sums[2], failures_machine=self.blame_sums[3],
            failures_machine_blamed=self.blame_sums[4],
            human_failure_rate=sc.agency.human_failure_rate,
            ai_failure_rate=sc.agency.ai_failure_rate,
            wage_gini=alg.gini_from_histogram(self.wage_hist, LOG_WAGE_MIN, LOG_WAGE_MAX),
            skill_mean=float(self.degree_stats[:, 1].sum() / max(self.degree_stats[:, 0].sum(),
                                                                 1.0)),
            skill_depreciation=depreciation,
        )
        for t, name in enumerate(("low", "mid", "high", "ai")):
            in_tier = tiers == t
            rec[f"employed_{name}"] = float(new_employed[in_tier].sum())
            rec[f"wage_bill_{name}"] = float(wage_sum[in_tier].sum())
        for group, mask in (("high", econ.sector_high_exposure[sector]),
                            ("low", ~econ.sector_high_exposure[sector])):
            rec[f"revenue_{group}_exposure"] = float(revenue[mask].sum())
            rec[f"employed_{group}_exposure"] = float(employed[mask].sum())
        for name, values in rec.items():
            self.records.setdefault(name, []).append(values)
        occ_rec.update(
            employed=new_employed, positions=positions, candidates=candidates,
            applicants=self.applicants.copy(), hires=hires.copy(),
            mean_wage=np.where(new_employed > 0, wage_sum / np.maximum(new_employed, 1.0), 0.0),
            price=price, output=out.output, ai_use=mix.ai_use, labour_share=mix.labour_share,
            bar=np.where(bar <= kern.NO_BAR, np.nan, bar),
            agency=np.where(new_employed > 0, self.occ_sums[:, 5] / np.maximum(new_employed, 1.0),
                            np.nan),
            effort=np.where(candidates > 0, self.effort_sum / np.maximum(candidates, 1.0), 0.0),
        )
        for name, arr in occ_rec.items():
            self.occ_records.setdefault(name, []).append(np.array(arr, dtype=np.float64))
        self.period += 1

    def run(self, on_period: Callable[[int], None] | None = None) -> LabourMarket:
        """All periods (burn-in and measured)."""
        while self.period < self.total_periods:
            self.step()
            if on_period is not None:
                on_period(self.period)
        return self

    def series(self) -> dict[str, F64]:
        return {k: np.asarray(v, dtype=np.float64) for k, v in self.records.items()}

    def occupation_series(self) -> dict[str, F64]:
        return {k: np.vstack(v) for k, v in self.occ_records.items()}
