"""The engine's per-person rules written idiomatically in Mesa 3: one Agent object per person.

Used only by ``benchmarks/engine.py`` to measure what the array engine buys. The per-occupation
algebra is the engine's own (:class:`neijuan.sim.market.MarketBase`); every per-person rule of
:mod:`neijuan.sim.kernels` is re-written here as an ``Agent`` method in plain Python, called through
Mesa's ``AgentSet.do``, the way a Mesa model is usually written.
"""

from __future__ import annotations

import math

import mesa
import numpy as np

from neijuan.config import Scenario
from neijuan.sim import kernels as kern
from neijuan.sim.economy import Economy
from neijuan.sim.effort import A_MAX, A_MIN, N_A, NO_EFFORT, rows_for
from neijuan.sim.market import ContestOutcome, MarketBase, WorkOutcome, log_wage_bins
from neijuan.sim.model import initial_degree_propensity, largest_remainder
from neijuan.sim.steps import gini_from_histogram

EMPLOYED, UNEMPLOYED = 1, 2
N_BINS, HALF = 1024, 40.0


def lookup(row: np.ndarray, a: float) -> float:
    step = (A_MAX - A_MIN) / (N_A - 1)
    if a <= A_MIN:
        return float(row[0])
    pos = (a - A_MIN) / step
    j = int(pos)
    if j >= N_A - 1:
        return float(row[-1] + (row[-1] - row[-2]) / step * (a - A_MAX))
    lo, hi = float(row[j]), float(row[j + 1])
    if lo < NO_EFFORT / 2 or hi < NO_EFFORT / 2:
        return lo if pos - j < 0.5 else hi
    return lo + (pos - j) * (hi - lo)


class Worker(mesa.Agent):
    """One person."""

    def __init__(self, model: MesaMarket, status: int, occ: int, origin: int, degree: int,
                 log_skill: float, ai_skill: float, effort: float) -> None:
        super().__init__(model)
        self.status, self.occ, self.origin, self.degree = status, occ, origin, degree
        self.log_skill, self.skill = log_skill, math.exp(log_skill)
        self.ai_skill, self.effort = ai_skill, effort
        self.wage = self.agency = 0.0
        self.tenure = self.failures = self.blamed = 0
        self.x = self.k = 0.0
        self.won = False

    def h(self, j: int) -> float:
        m = self.model
        z = self.ai_skill
        return self.skill * (1 + m.ai.aug_gain[j] * z) * (1 + m.spec_gain[j] * z)

    def retire(self) -> None:
        if self.random.random() < self.model.hazard:
            self.remove()

    def apply_and_score(self) -> None:
        m = self.model
        if self.status == UNEMPLOYED:
            self.occ = int(np.searchsorted(m.cdf[self.degree, self.origin], self.random.random()))
        j = self.occ
        u = self.random.random()
        test = self.log_skill + m.scr.test_sd[j] * math.log(u / (1 - u)) * 0.5513288954217920
        prior = m.degree_mean[self.degree]
        s_hat = prior + m.scr.bayes_weight[j] * (test - prior)
        z = self.ai_skill
        ln_h = s_hat + math.log((1 + m.ai.aug_gain[j] * z) * (1 + m.spec_gain[j] * z))
        self.k = m.sc.contest.productivity_weight * ln_h + (
            m.sc.contest.incumbent_advantage if self.status == EMPLOYED else 0.0)
        self.x = (m.sc.contest.r * math.log(max(self.effort, kern.EFFORT_FLOOR)) + self.k
                  ) / m.noise[j]
        b = min(max(int((self.x - m.center[j] + HALF) / (2 * HALF) * N_BINS), 0), N_BINS - 1)
        m.hist_n[j, b] += 1
        m.hist_x[j, b] += self.x
        m.candidates[j] += 1
        m.effort_sum[j] += self.effort
        if self.status == UNEMPLOYED:
            m.applicants[j] += 1

    def draw(self) -> None:
        b = self.model.bar[self.occ]
        self.won = b <= kern.NO_BAR or self.random.random() < 1 / (1 + math.exp(-(self.x - b)))
        if self.won:
            self.model.n_won[self.occ] += 1

    def settle(self) -> None:
        m, c = self.model, self.model.sc.contest
        j = self.occ
        k = self.k
        if self.won:
            if self.status == EMPLOYED:
                self.tenure += 1
            else:
                self.tenure = 0
                m.hires[j] += 1
                k += c.incumbent_advantage
            self.status, self.origin = EMPLOYED, j
        else:
            if self.status == EMPLOYED:
                k -= c.incumbent_advantage
                m.separations[j] += 1
            self.status, self.tenure, self.wage = UNEMPLOYED, 0, 0.0
        beta = m.beta[j]
        w_j = beta * m.value[j] * self.h(j) + (1 - beta) * m.outside[j]
        prize = m.quarters[j] * max(w_j - m.benefit, 0.0)
        e_br = 0.0
        b = m.bar[j]
        if b > kern.NO_BAR and prize > 0:
            sig = m.noise[j]
            a = math.log(prize * c.r / (sig * c.effort_cost)) - (sig * b - k) / c.r
            zs = lookup(m.rows[j], a)
            if zs > NO_EFFORT / 2:
                e_br = min(math.exp((sig * (zs + b) - k) / c.r), c.max_effort)
        self.effort += c.adjustment * (e_br - self.effort)
        lr = m.sc.learning
        gain = math.log1p(lr.share * self.effort)
        focus = m.focus[j]
        learned = lr.skill_rate * (1 - focus) * gain
        m.learned += learned
        m.learners += 1
        self.log_skill += learned - m.loss
        self.skill = math.exp(self.log_skill)
        z = self.ai_skill
        self.ai_skill = min(max(z + lr.ai_rate * focus * gain * (1 - z)
                                - lr.ai_skill_depreciation / 4 * z, 0.0), 1.0)
        if self.won:
            self.work(j)

    def work(self, j: int) -> None:
        m = self.model
        mix = m.ai.mix
        z = self.ai_skill
        beta = m.beta[j]
        self.wage = max(beta * m.value[j] * self.h(j) + (1 - beta) * m.outside[j], 1e-6)
        m.wage_sum[j] += self.wage
        m.wage_logs.append(math.log(self.wage))
        self.agency = min(max(mix.agency0[j] + mix.agency1[j] * z, 0.0), 1.0)
        m.agency_sum[j] += self.agency
        human = mix.human0[j] + mix.human1[j] * z
        machine = mix.machine0[j] + mix.machine1[j] * z
        u = self.random.random()
        p_h = m.sc.agency.human_failure_rate * human
        p_m = m.sc.agency.ai_failure_rate * machine
        m.blame[0] += human
        m.blame[1] += machine
        if u < p_h:
            m.blame[2] += 1
            self.failures += 1
            self.blamed += 1
        elif u < p_h + p_m:
            m.blame[3] += 1
            self.failures += 1
            if u - p_h < p_m * m.blame_ai:
                m.blame[4] += 1
                self.blamed += 1


class MesaMarket(mesa.Model, MarketBase):
    """The same model with one Mesa agent per person."""

    def __init__(self, scenario: Scenario, economy: Economy, seed: int) -> None:
        # Mesa's Model passes the positional arguments on to the next class: MarketBase
        super().__init__(scenario, economy, seed, seed=seed)
        lab = scenario.labour
        n0 = scenario.run.workers
        n = economy.n_occ
        n_emp = round(n0 * (1 - lab.initial_unemployment))
        occ_of_row = np.concatenate([
            np.repeat(np.arange(n), largest_remainder(economy.occ_share, n_emp)),
            np.repeat(np.arange(n), largest_remainder(economy.occ_share, n0 - n_emp))])
        p_deg = initial_degree_propensity(economy, lab.degree_share)
        for row, occ in enumerate(occ_of_row):
            d = int(self.random.random() < p_deg[occ])
            ls = lab.degree_skill_gap * (d - lab.degree_share) + lab.skill_sd * self.random.gauss(
                0, 1)
            z = min(1.0, self.random.expovariate(1.0) * (
                lab.specialist_ai_skill if economy.occ_tier[occ] == 3 else lab.ai_skill_mean))
            Worker(self, EMPLOYED if row < n_emp else UNEMPLOYED, int(occ), int(occ), d, ls, z,
                   self.effort0)
        employed = np.zeros(n)
        units = np.zeros(n)
        for w in self.agents:
            if w.status == EMPLOYED:
                employed[w.occ] += 1
                units[w.occ] += w.skill * (1 + self.spec_gain[w.occ] * w.ai_skill)
        self.calibrate(employed, units)
        self.hazard = 1 / (4 * lab.working_years)
        self.center = np.zeros(n)
        self.degree_mean = np.zeros(2)
        self.n_wage_bins, self.log_wage_min, self.log_wage_max = log_wage_bins()

    def degree_moments(self) -> tuple[float, float, float]:
        """The screen's prior: mean log skill by degree, within-group variance, degree share."""
        groups: list[list[float]] = [[], []]
        for w in self.agents:
            groups[w.degree].append(w.log_skill)
        means = [float(np.mean(g)) if g else 0.0 for g in groups]
        within = float(sum(np.var(g) * len(g) for g in groups if g) / max(len(self.agents), 1))
        self.degree_mean = np.array(means)
        share = len(groups[1]) / max(len(self.agents), 1)
        gap = means[1] - means[0] if groups[0] and groups[1] else 0.0
        return share, gap, max(within, 1e-9)

    def step(self) -> None:
        sc, econ = self.sc, self.econ
        n = econ.n_occ
        self.ai = ai = self.phase_ai()
        employed = np.zeros(n)
        units = np.zeros(n)
        for w in self.agents:
            if w.status == EMPLOYED:
                employed[w.occ] += 1
                units[w.occ] += w.h(w.occ)
        prod = self.phase_production(ai, employed, units / ai.aug_scale)
        positions = np.floor(self.phase_positions(prod) + np.array(
            [self.random.random() for _ in range(n)]))
        self.agents.shuffle_do("retire")
        n_new, degree_share, z_mean = self.entry_plan(len(self.agents), ai)
        for _ in range(round(n_new)):
            d = int(self.random.random() < degree_share)
            ls = sc.labour.degree_skill_gap * (d - degree_share) + sc.labour.skill_sd * (
                self.random.gauss(0, 1))
            Worker(self, UNEMPLOYED, -1, n + d, d, ls,
                   min(1.0, z_mean * self.random.expovariate(1.0)), self.effort0)
        share, gap, within = self.degree_moments()
        self.cdf, self.noise, self.scr = self.phase_screen(ai, positions, share, gap, within)
        self.hist_n = np.zeros((n, N_BINS))
        self.hist_x = np.zeros((n, N_BINS))
        self.candidates, self.applicants, self.effort_sum = np.zeros(n), np.zeros(n), np.zeros(n)
        self.agents.do("apply_and_score")
        self.bar = kern.solve_bars(self.hist_n, self.hist_x, positions, self.candidates,
                                   np.full(n, kern.NO_BAR))
        self.n_won = np.zeros(n)
        self.agents.do("draw")
        for j in np.flatnonzero(self.n_won > positions):
            winners = [w for w in self.agents if w.won and w.occ == j]
            for w in self.random.sample(winners, int(self.n_won[j] - positions[j])):
                w.won = False
            self.n_won[j] = positions[j]
        self.value = prod.price * prod.out.mpl * ai.aug_scale
        self.beta = self.bargaining(positions, self.candidates)
        self.rows = rows_for(self.noise / sc.contest.r, self.kind)
        self.quarters = self.horizon()
        self.focus = self.ai_focus(ai)
        self.loss = self.depreciation(ai)
        self.blame_ai = sc.agency.liability if sc.agency.liability_rule == "confirmer" else 0.0
        self.hires, self.separations = np.zeros(n), np.zeros(n)
        self.wage_sum, self.agency_sum = np.zeros(n), np.zeros(n)
        self.wage_logs: list[float] = []
        self.blame = np.zeros(5)
        self.learned, self.learners = 0.0, 0
        self.agents.do("settle")
        if self.years < 0 or self.period == 0:  # as the engine: a balanced pre-AI path
            self.skill_depreciation = self.learned / max(self.learners, 1)
        counts, _ = np.histogram(self.wage_logs, bins=self.n_wage_bins,
                                 range=(self.log_wage_min, self.log_wage_max))
        zeros = np.zeros(n)
        contest = ContestOutcome(positions, self.candidates, self.applicants, self.hires,
                                 self.separations, self.n_won, self.effort_sum, zeros, self.bar)
        work = WorkOutcome(self.wage_sum, zeros, zeros, self.n_won, zeros, self.agency_sum,
                           zeros, self.blame, gini_from_histogram(
                               counts.astype(float), self.log_wage_min, self.log_wage_max))
        self.close_period(prod, contest, work)
        self.record(ai, prod, contest, work, self.scr, self.value,
                    labour_force=float(len(self.agents)), entered=n_new, retired=0.0,
                    skill_mean=0.0, depreciation=self.loss)
        self.period += 1
