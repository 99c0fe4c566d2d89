"""The engine's per-person rules written idiomatically in Mesa 3: one Agent object per person.

Used only by ``benchmarks/engine.py`` to measure what the array engine buys. The per-occupation
algebra is the engine's own (:class:`neijuan.sim.market.MarketBase` and the engine's degree
moments and stationary entry); every per-person rule of :mod:`neijuan.sim.kernels` (retirement and
separation, entry, search along the mobility network, the Bayesian screen with blame marks, the
Tullock lottery and its trim, the best response, learning, wages, agency net of defensive review,
retained-not-needed, failures, blame and fading marks) is re-written here as an ``Agent`` method in
plain Python, called through Mesa's ``AgentSet.do``, the way a Mesa model is written when it is
written for speed: each period's per-occupation parameters are turned into Python lists once
(an agent reads a list item, not a NumPy scalar), and no per-occupation loop scans the agents.
Draws come from Mesa's ``random``, so the two models agree in distribution, not row for row.
"""

from __future__ import annotations

import bisect
import math

import mesa
import numpy as np

from neijuan.config import Scenario
from neijuan.errors import ConfigError
from neijuan.sim import kernels as kern
from neijuan.sim.constants import EFFORT_FLOOR, NO_BAR, NO_EFFORT
from neijuan.sim.economy import Economy
from neijuan.sim.effort import A_MAX, A_MIN, N_A, rows_for
from neijuan.sim.market import ContestOutcome, MarketBase, WorkOutcome, log_wage_bins
from neijuan.sim.model import LabourMarket, initial_degree_propensity, largest_remainder
from neijuan.sim.steps import gini_from_histogram

EMPLOYED, UNEMPLOYED = 1, 2
N_BINS, HALF = 1024, 40.0
LOGISTIC_SD = 0.5513288954217920  # sqrt(3) / pi: logistic noise with unit variance
STEP = (A_MAX - A_MIN) / (N_A - 1)


def logistic_cdf(z: float) -> float:
    z = min(max(z, -40.0), 40.0)
    return 1.0 / (1.0 + math.exp(-z))


def lookup(row: list[float], a: float) -> float:
    """z* by linear interpolation in an occupation's best-response row (as the engine)."""
    if a <= A_MIN:
        return row[0]
    pos = (a - A_MIN) / STEP
    j = int(pos)
    if j >= N_A - 1:
        return row[-1] + (row[-1] - row[-2]) / STEP * (a - A_MAX)
    lo, hi = row[j], row[j + 1]
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
        self.wage = self.agency = self.mark = 0.0
        self.tenure = self.failures = self.blamed = 0
        self.x = self.k = 0.0
        self.won = False

    # step 4: labour supply
    def retire(self) -> None:
        m = self.model
        u = self.random.random()
        if u < m.hazard:
            m.retired += 1
            self.remove()
        elif self.status == EMPLOYED and u < m.hazard + m.job_loss:
            self.status, self.wage = UNEMPLOYED, 0.0
            m.separated += 1

    # step 5: search, the screen and the score
    def apply_and_score(self) -> None:
        m = self.model
        p = m.p
        d = self.degree
        if self.status == UNEMPLOYED:
            j = bisect.bisect_left(p.cdf[d][self.origin], self.random.random())
            self.occ = j = min(j, m.n_occ - 1)
        else:
            j = self.occ
        u = self.random.random()
        test = self.log_skill + p.test_sd[j] * math.log(u / (1.0 - u)) * LOGISTIC_SD
        prior = p.degree_mean[d]
        ln_h = prior + p.bayes_weight[j] * (test - prior)
        z = self.ai_skill
        if z > 0.0:
            ln_h += math.log(1.0 + p.aug_gain[j] * z)
        k = p.productivity_weight * ln_h - p.blame_penalty * self.mark
        if self.status == EMPLOYED:
            k += p.incumbent_advantage
        self.k = k
        x = self.x = (p.r * math.log(max(self.effort, EFFORT_FLOOR)) + k) / p.noise[j]
        b = min(max(int((x - p.center[j] + HALF) / (2 * HALF) * N_BINS), 0), N_BINS - 1)
        m.hist_n[j][b] += 1
        m.hist_x[j][b] += x
        m.candidates[j] += 1
        m.effort_sum[j] += self.effort
        if self.status == UNEMPLOYED:
            m.applicants[j] += 1

    # step 5: the lottery against the bar
    def draw(self) -> None:
        m = self.model
        b = m.p.bar[self.occ]
        self.won = b <= NO_BAR or self.random.random() < logistic_cdf(self.x - b)
        if self.won:
            m.n_won[self.occ] += 1
            m.winners[self.occ].append(self)

    # steps 5-6: the outcome, the prize, the best response, effort
    def settle(self) -> None:
        m, p = self.model, self.model.p
        j = self.occ
        k = self.k
        if self.won:
            if self.status == EMPLOYED:
                self.tenure += 1
            else:
                self.tenure = 0
                m.hires[j] += 1
                k += p.incumbent_advantage
            self.status, self.origin = EMPLOYED, j
        else:
            if self.status == EMPLOYED:
                k -= p.incumbent_advantage
                m.separations[j] += 1
            self.status, self.tenure, self.wage = UNEMPLOYED, 0, 0.0
        h = self.skill * (1.0 + p.aug_gain[j] * self.ai_skill)
        beta = p.beta[j]
        prize = p.horizon[j] * max(beta * p.value[j] * h + (1 - beta) * p.outside[j]
                                   - p.benefit, 0.0)
        e_br = 0.0
        b = p.bar[j]
        if b > NO_BAR and prize > 0.0:
            sig = p.noise[j]
            a = math.log(prize * p.r / (sig * p.effort_cost)) - (sig * b - k) / p.r
            zs = lookup(p.rows[j], a)
            if zs > NO_EFFORT / 2:
                e_br = min(math.exp(max((sig * (zs + b) - k) / p.r, -30.0)), p.max_effort)
        self.effort += p.adjustment * (e_br - self.effort)
        if self.won:
            m.prize_won[j] += prize
        self.work(j)

    # steps 7-9: learning; the wage; agency, failures and blame
    def work(self, j: int) -> None:
        m, p = self.model, self.model.p
        gain = math.log(1.0 + p.learn_share * self.effort)
        focus = p.focus[j]
        learned = p.skill_rate * (1.0 - focus) * gain
        ls_prev = self.log_skill
        ls = self.log_skill = ls_prev + learned - p.depreciation
        self.skill = sk = math.exp(ls)
        z = self.ai_skill
        z = self.ai_skill = min(max(z + p.ai_rate * focus * gain * (1 - z) - p.ai_dep * z, 0.0),
                                1.0)
        if self.mark > 0.0:
            self.mark *= p.mark_keep
            if self.mark <= 1e-3:
                self.mark = 0.0
        st = m.stats[self.degree]
        st[0] += 1
        st[1] += ls
        st[2] += ls * ls
        st[3] += learned
        st[4] += learned * learned
        st[5] += ls_prev * learned
        if self.status != EMPLOYED:
            return
        beta = p.beta[j]
        h = sk * (1.0 + p.aug_gain[j] * z)
        pay = self.wage = max(beta * p.value[j] * h + (1 - beta) * p.outside[j], 1e-6)
        lw = math.log(pay)
        s = m.occ_sums[j]
        s[0] += pay
        if z >= p.ai_threshold:
            s[1] += 1
            s[2] += lw
            s[11] += ls
        else:
            s[3] += 1
            s[4] += lw
            s[12] += ls
        s[13] += ls * ls
        s[14] += ls * lw
        s[7] += sk
        s[8] += sk * z
        s[9] += sk * z * z
        s[10] += 1
        m.wage_logs.append(lw)
        kt = p.keep_time[j]
        ag = self.agency = min(max(p.agency0[j] + p.agency1[j] * z, 0.0), 1.0) * kt
        s[5] += ag
        needed = ag - (p.replaceable[j] if pay > p.ai_unit_cost[j] * h else 0.0)
        if needed < p.needed_threshold:
            s[6] += 1
        human = (p.human0[j] + p.human1[j] * z) * kt
        machine = p.machine0[j] + p.machine1[j] * z
        bl = m.blame
        bl[0] += human
        bl[1] += machine
        u = self.random.random()
        p_h = p.human_failure * human
        p_m = p.ai_failure[j] * machine
        if u < p_h:
            bl[2] += 1
            self.mark += 1.0
            self.failures += 1
            self.blamed += 1
        elif u < p_h + p_m:
            bl[3] += 1
            self.failures += 1
            if u - p_h < p_m * p.blame_ai[j]:
                bl[4] += 1
                self.mark += 1.0
                self.blamed += 1


class Params:
    """One period's per-occupation parameters as Python lists (read by every agent)."""


class MesaMarket(mesa.Model, MarketBase):
    """The same model with one Mesa agent per person (the Tullock contest)."""

    def __init__(self, scenario: Scenario, economy: Economy, seed: int) -> None:
        if scenario.contest.rule != "tullock":
            raise ConfigError("the Mesa benchmark model implements contest.rule = 'tullock' "
                              f"only (got {scenario.contest.rule!r})")
        # Mesa's Model passes the positional arguments on to the next class: MarketBase
        super().__init__(scenario, economy, seed, seed=seed)
        lab = scenario.labour
        n0 = scenario.run.workers
        n = self.n_occ = economy.n_occ
        n_emp = round(n0 * (1 - lab.initial_unemployment))
        occ_of_row = np.concatenate([
            np.repeat(np.arange(n), largest_remainder(economy.occ_share, n_emp)),
            np.repeat(np.arange(n), largest_remainder(economy.occ_share, n0 - n_emp))]).tolist()
        p_deg = initial_degree_propensity(economy, lab.degree_share).tolist()
        degrees = [int(self.random.random() < p_deg[o]) for o in occ_of_row]
        d_mean = sum(degrees) / max(n0, 1)
        log_w = np.log(economy.occ_wage)
        log_w_dev = (log_w - (economy.occ_share * log_w).sum()).tolist()
        tier = economy.occ_tier.tolist()
        for row, (o, d) in enumerate(zip(occ_of_row, degrees, strict=True)):
            ls = (lab.degree_skill_gap * (d - d_mean) + lab.sorting * log_w_dev[o]
                  + lab.skill_sd * self.random.gauss(0, 1))
            z = min(1.0, self.random.expovariate(1.0) * (
                lab.specialist_ai_skill if tier[o] == 3 else lab.ai_skill_mean))
            Worker(self, EMPLOYED if row < n_emp else UNEMPLOYED, o, o, d, ls, z, self.effort0)
        employed = np.zeros(n)
        units = np.zeros(n)
        for w in self.agents:
            if w.status == EMPLOYED:
                employed[w.occ] += 1
                units[w.occ] += w.skill
        self.calibrate(employed, units)
        self.occ_sums = [[0.0] * 15 for _ in range(n)]
        for w in self.agents:
            if w.status == EMPLOYED:
                s = self.occ_sums[w.occ]
                s[7] += w.skill
                s[8] += w.skill * w.ai_skill
                s[9] += w.skill * w.ai_skill ** 2
                s[10] += 1
        stats = np.zeros((2, 3))
        for w in self.agents:
            stats[w.degree] += (1, w.log_skill, w.log_skill ** 2)
        LabourMarket._degree_moments(self, stats)  # type: ignore[arg-type]
        self.within_var0, self.degree_gap0 = self.within_var, self.degree_gap
        self.entrant_sd, self.entrant_gap = lab.skill_sd, lab.degree_skill_gap
        self.hazard = 1 / (4 * lab.working_years)
        self.job_loss = lab.separation
        self.center = np.zeros(n)
        self.last_bar = np.full(n, NO_BAR)
        self.n_wage_bins, self.log_wage_min, self.log_wage_max = log_wage_bins()

    def step(self) -> None:
        sc, n = self.sc, self.n_occ
        c = sc.contest
        ai = self.phase_ai()
        sums = np.array(self.occ_sums)
        prod = self.phase_production(ai, sums[:, 10].copy(), sums[:, 7] + ai.aug_gain * sums[:, 8])
        jitter = np.array([self.random.random() for _ in range(n)])
        positions = np.floor(self.phase_positions(prod) + jitter)

        # 4. retirements and separations, then the entrants
        self.retired = self.separated = 0
        self.agents.do("retire")
        n_new, degree_share, z_mean = self.entry_plan(len(self.agents), ai)
        for _ in range(round(n_new)):
            d = int(self.random.random() < degree_share)
            ls = self.entrant_gap * (d - degree_share) + self.entrant_sd * self.random.gauss(0, 1)
            Worker(self, UNEMPLOYED, -1, n + d, d, ls,
                   min(1.0, -z_mean * math.log(1.0 - self.random.random())), self.effort0)

        # 5. search, the screen, the contest
        cdf, noise, scr = self.phase_screen(ai, positions, self.degree_share, self.degree_gap,
                                            self.within_var)
        p = self.p = Params()
        p.cdf = cdf.tolist()
        p.noise, p.test_sd = noise.tolist(), scr.test_sd.tolist()
        p.bayes_weight, p.aug_gain = scr.bayes_weight.tolist(), ai.aug_gain.tolist()
        p.degree_mean, p.center = self.degree_mean.tolist(), self.center.tolist()
        p.blame_penalty, p.productivity_weight = sc.agency.blame_penalty, c.productivity_weight
        p.incumbent_advantage, p.r = c.incumbent_advantage, c.r
        self.hist_n = [[0.0] * N_BINS for _ in range(n)]
        self.hist_x = [[0.0] * N_BINS for _ in range(n)]
        self.candidates, self.applicants, self.effort_sum = [0.0] * n, [0.0] * n, [0.0] * n
        self.agents.do("apply_and_score")
        candidates, applicants = np.array(self.candidates), np.array(self.applicants)
        fillable, openings, contested = self.frictional_positions(positions, candidates,
                                                                  applicants)
        fillable = np.minimum(np.floor(fillable + jitter), positions)
        hist_n, hist_x = np.array(self.hist_n), np.array(self.hist_x)
        bar = kern.solve_bars(hist_n, hist_x, fillable, candidates, self.last_bar)
        self.last_bar = bar
        p.bar = bar.tolist()
        # which occupations need a trim is known only after the draw: winners are collected
        self.n_won = [0.0] * n
        self.winners: list[list[Worker]] = [[] for _ in range(n)]
        self.agents.do("draw")
        for j in range(n):  # more winners than positions: keep a random subset
            extra = int(self.n_won[j] - fillable[j])
            if extra > 0:
                for w in self.random.sample(self.winners[j], extra):
                    w.won = False
                self.n_won[j] = fillable[j]
        self.center = np.where(candidates > 0, hist_x.sum(axis=1) / np.maximum(candidates, 1.0),
                               self.center)

        # 6-9. effort, learning, wages, agency and blame
        value = prod.price * prod.out.mpl * ai.aug_scale
        depreciation = self.depreciation(ai)
        mix = ai.mix
        p.value, p.beta = value.tolist(), self.bargaining(positions, candidates).tolist()
        p.outside, p.horizon, p.benefit = self.outside.tolist(), self.horizon().tolist(), \
            self.benefit
        p.rows = rows_for(noise / c.r, self.kind).tolist()
        p.effort_cost, p.adjustment, p.max_effort = c.effort_cost, c.adjustment, c.max_effort
        lr = sc.learning
        p.learn_share, p.skill_rate, p.ai_rate = lr.share, lr.skill_rate, lr.ai_rate
        p.focus, p.depreciation = self.ai_focus(ai).tolist(), depreciation
        p.ai_dep = lr.ai_skill_depreciation / 4.0
        p.agency0, p.agency1 = mix.agency0.tolist(), mix.agency1.tolist()
        p.human0, p.human1 = mix.human0.tolist(), mix.human1.tolist()
        p.machine0, p.machine1 = mix.machine0.tolist(), mix.machine1.tolist()
        p.human_failure = sc.agency.human_failure_rate
        p.ai_failure = ai.ai_failure.tolist()
        p.blame_ai, p.keep_time = ai.blame_prob.tolist(), ai.keep_time.tolist()
        p.mark_keep = 1.0 - sc.agency.mark_decay
        p.replaceable = (self.replaceable_where_shrinking(ai, positions)
                         * ai.keep_time).tolist()
        p.ai_unit_cost = ai.ai_unit_cost.tolist()
        p.needed_threshold, p.ai_threshold = sc.agency.threshold, sc.screening.ai_skill_threshold
        self.hires, self.separations, self.prize_won = [0.0] * n, [0.0] * n, [0.0] * n
        self.occ_sums = [[0.0] * 15 for _ in range(n)]
        self.stats = [[0.0] * 6 for _ in range(2)]
        self.wage_logs: list[float] = []
        self.blame = [0.0] * 5
        self.agents.do("settle")
        st = np.array(self.stats)
        if self.years < 0 or self.period == 0:
            LabourMarket._stationary_entry(self, st[:, [0, 3, 4, 5]])  # type: ignore[arg-type]
        LabourMarket._degree_moments(self, st[:, :3])  # type: ignore[arg-type]

        counts, _ = np.histogram(self.wage_logs, bins=self.n_wage_bins,
                                 range=(self.log_wage_min, self.log_wage_max))
        sums = np.array(self.occ_sums)
        contest = ContestOutcome(
            positions=positions, candidates=candidates, applicants=applicants,
            hires=np.array(self.hires), separations=np.array(self.separations),
            employed=np.array(self.n_won), effort_sum=np.array(self.effort_sum),
            prize_won=np.array(self.prize_won), bar=bar)
        work = WorkOutcome(
            wage_sum=sums[:, 0], ai_n=sums[:, 1], ai_log_wage=sums[:, 2], non_ai_n=sums[:, 3],
            non_ai_log_wage=sums[:, 4], agency_sum=sums[:, 5], retained_not_needed=sums[:, 6],
            skill_wage=sums[:, 11:15], blame=np.array(self.blame),
            wage_gini=gini_from_histogram(counts.astype(float), self.log_wage_min,
                                          self.log_wage_max))
        self.close_period(prod, contest, work)
        n_stats = max(st[:, 0].sum(), 1.0)
        self.record(ai, prod, contest, work, scr, value, labour_force=float(len(self.agents)),
                    entered=float(round(n_new)), retired=float(self.retired),
                    separated=float(self.separated), openings=openings,
                    contested_openings=contested, skill_mean=float(st[:, 1].sum() / n_stats),
                    depreciation=depreciation)
        self.period += 1
