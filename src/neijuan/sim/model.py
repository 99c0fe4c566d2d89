"""One replication of the stochastic engine: people as rows, the nine steps of a period in order.

:class:`LabourMarket` follows Mesa's vocabulary (a model with ``step()``), but its agents are rows
of arrays: each step calls a compiled pass over all rows (:mod:`neijuan.sim.kernels`) and the
per-occupation algebra it shares with the mean-field model (:mod:`neijuan.sim.market`).
"""

from __future__ import annotations

import logging
import math
import os
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from neijuan.sim import kernels as kern
from neijuan.sim import libm, phase_kernels, quarter, rng
from neijuan.sim import steps as alg
from neijuan.sim.constants import LOGISTIC, NO_BAR, NORMAL
from neijuan.sim.economy import Economy
from neijuan.sim.market import (
    FLOW_SMOOTHING,
    MAX_PRIZE_QUARTERS,
    OPENINGS_FLOOR,
    SHRINK_FULL,
    MarketBase,
    log_wage_bins,
)
from neijuan.sim.shard import (
    BestResponseRows,
    LocalShards,
    RowKey,
    SearchCdf,
    Shard,
    ShardFactory,
    ShardSet,
    fold,
)
from neijuan.sim.state import EMPLOYED, OUT, UNEMPLOYED, Population, capacity_for
from neijuan.sim.streams import (
    STREAM_ENTRY,
    STREAM_FAILURE,
    STREAM_NOISE,
    STREAM_RETIRE,
    STREAM_ROUND,
    STREAM_SEARCH,
    STREAM_SELECT,
    STREAM_TEST,
    STREAM_TRIM,
)

if TYPE_CHECKING:  # annotations only: the model imports without pydantic
    from neijuan.config import Scenario

F64 = NDArray[np.float64]
log = logging.getLogger(__name__)
_engine_ready = False


def prepare_engine(notify: Callable[[str], None] | None = None) -> bool:
    """Load the compiled passes from Numba's on-disk cache, or, on the first run after an install
    or an upgrade, say that they are being compiled (about 50 CPU-seconds, once: the result is
    cached for every later run) rather than sit silent. Returns whether it had to compile.
    ``notify`` gets the message (default: a warning on the ``neijuan.sim.model`` logger, which
    Python prints on standard error when logging is not configured)."""
    global _engine_ready
    if _engine_ready:
        return False
    start = time.process_time()
    # the smallest pass, on one row: loads the file's cache or reveals that it is cold
    one = np.zeros(1)
    kern.production_pass(np.zeros(1, np.int8), np.zeros(1, np.int16), np.zeros(1, np.float32),
                         np.zeros(1, np.float32), one, one.copy(), one.copy())
    cold = bool(sum(kern.production_pass.stats.cache_misses.values()))
    if cold:
        message = ("compiling the simulation engine (first run after an install or upgrade: "
                   "about 50 CPU-seconds, once; later runs load it from the cache)")
        (notify or log.warning)(message)
    _engine_ready = True
    log.debug("engine prepared in %.2f s (cold cache: %s)", time.process_time() - start, cold)
    return cold

N_SCORE_BINS = 1024
SCORE_HALF_WIDTH = 40.0
ENTRY_SKILL_STREAM = STREAM_ENTRY + 100
# the streams a step draws from (their keys are made together, once a period)
PERIOD_STREAMS = (STREAM_ROUND, STREAM_RETIRE, STREAM_ENTRY, ENTRY_SKILL_STREAM, STREAM_SEARCH,
                  STREAM_TEST, STREAM_NOISE, STREAM_SELECT, STREAM_TRIM, STREAM_FAILURE)
PERIOD_STREAM_IDS = np.array(PERIOD_STREAMS, dtype=np.uint64)


def largest_remainder(shares: F64, total: int) -> NDArray[np.int64]:
    """Integer counts proportional to ``shares`` that sum to ``total`` (Hamilton's method)."""
    raw = shares * total
    base = np.floor(raw).astype(np.int64)
    short = total - int(base.sum())
    if short > 0:
        base[np.argsort(-(raw - base))[:short]] += 1
    return base


def initial_degree_propensity(econ: Economy, degree_share: float) -> F64:
    """Share of degree holders by occupation at the start: rising with the occupation's wage
    (logistic in log wage, slope 3), all in licensed occupations, matching ``degree_share``."""
    log_w = libm.log(econ.occ_wage)
    lo, hi = -20.0, 20.0
    p = np.zeros(econ.n_occ)
    for _ in range(80):
        a = 0.5 * (lo + hi)
        p = np.where(econ.occ_licensed, 1.0, 1.0 / (1.0 + libm.exp(-(a + 3.0 * log_w))))
        if (econ.occ_share * p).sum() > degree_share:
            hi = a
        else:
            lo = a
    return p


def _shard_total(parts: list[NDArray[np.float64]]) -> NDArray[np.float64]:
    """``np.sum(parts, axis=0)``: the shards' counts added (one shard: 0 + its counts, as NumPy's
    sum of one adds it to the identity, for a tenth of the time)."""
    return parts[0] + 0.0 if len(parts) == 1 else np.sum(parts, axis=0)


def available_cores() -> int:
    """The cores this process may run on (its CPU affinity where the system says)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # (not on every system)
        return os.cpu_count() or 1


class LabourMarket(MarketBase):
    """The simulated economy for one seed.

    The rows live in shards (:mod:`neijuan.sim.shard`): by default one, in this process;
    ``shards(capacity)`` builds others (e.g. Ray actors), with the same results. A Tullock run
    whose rows are one chunk of one local shard runs a whole quarter (steps 1-9 and the close)
    in one compiled call (:meth:`Shard.quarter`); ``one_call=False`` runs the passes one
    by one instead, as any other run does (the same bits: ``tests/sim/test_shard.py``)."""

    def __init__(self, scenario: Scenario, economy: Economy, seed: int,
                 shards: ShardFactory | None = None, one_call: bool = True) -> None:
        super().__init__(scenario, economy, seed)
        prepare_engine()
        capacity = capacity_for(scenario.run.workers, scenario.labour.growth, self.total_periods)
        self.shards: ShardSet = (shards or LocalShards)(
            capacity, records=scenario.run.person_records)
        self.shards.map("set_economy", economy)
        local = isinstance(self.shards, LocalShards)  # (a remote shard has its own CPUs)
        self.shards.map("set_threads", scenario.run.threads or (available_cores() if local else 1))
        if self.kind == NORMAL:  # (Tullock's lottery recomputes the scores: no array for them)
            self.shards.map("keep_scores")
        # a Tullock run of one local shard of one chunk (up to CHUNK_ROWS rows) runs a
        # quarter's row passes, and the steps between them, in one compiled call (unless
        # ``one_call`` is false: then pass by pass through the shard's methods, the same bits)
        self._one_chunk: Shard | None = (
            self.shards.shards[0] if (one_call and isinstance(self.shards, LocalShards)
                                      and self.shards.n_shards == 1
                                      and self.shards.shards[0].one_chunk
                                      and self.kind == LOGISTIC) else None)
        n = economy.n_occ
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
        self.learning_stats = np.zeros((2, 4))
        self.occ_sums = np.zeros((n, 15))
        self.n_wage_bins, self.log_wage_min, self.log_wage_max = log_wage_bins()
        self.wage_bin_centres = alg.bin_centres(self.n_wage_bins, self.log_wage_min,
                                                self.log_wage_max)
        self.wage_hist = np.zeros(self.n_wage_bins)
        self.blame_sums = np.zeros(5)
        self.openings = np.zeros(n)
        self.contested_openings = np.zeros(n)
        self.center = np.zeros(n)
        self.last_bar = np.full(n, NO_BAR)
        self._keys_period = -1  # the period whose stream keys _keys holds
        self._keys: tuple[np.uint64, ...] = ()
        self._populate()

    def _period_keys(self) -> tuple[np.uint64, ...]:
        """The keys of the streams a step draws from, in :data:`PERIOD_STREAMS`' order: made
        together, once a period."""
        if self._keys_period != self.period:
            self._keys = tuple(rng.period_stream_keys(np.uint64(self.seed & 0xFFFFFFFFFFFFFFFF),
                                                      np.uint64(self.period & 0xFFFFFFFF),
                                                      PERIOD_STREAM_IDS))
            self._keys_period = self.period
        return self._keys

    @property
    def pop(self) -> Population:
        """The population's arrays (a run with one local shard only)."""
        if not isinstance(self.shards, LocalShards) or self.shards.n_shards != 1:
            raise AttributeError("the population is spread over shards: no one array holds it")
        return self.shards.shards[0].pop

    def close(self) -> None:
        """Release the shards (Ray actors, where the run has them)."""
        self.shards.close()

    def _populate(self) -> None:
        """Draw the initial labour force, then calibrate the pre-AI equilibrium to it.

        Rows: the employed by occupation, then the unemployed by occupation. Each kind of draw
        is its own sweep of one generator in row order (degrees, log skill, AI skill), so the
        population is what one draw of the whole population would give; the shards build their
        rows in blocks (:meth:`~neijuan.sim.shard.Shard.populate_layout`). The sums it is
        calibrated to are folded over the chunk grid like every period's."""
        sc, econ = self.sc, self.econ
        lab = sc.labour
        n0 = sc.run.workers
        n_emp = round(n0 * (1.0 - lab.initial_unemployment))
        holders = self.shards.map(
            "populate_layout", self.seed, n0, n_emp, largest_remainder(econ.occ_share, n_emp),
            largest_remainder(econ.occ_share, n0 - n_emp),
            initial_degree_propensity(econ, lab.degree_share))
        d_mean = float(sum(holders)) / n0  # the mean of a 0/1 array: exact, as np.mean gives
        log_w = libm.log(econ.occ_wage)
        self.shards.map("populate_skills", n0, d_mean, lab.degree_skill_gap, lab.sorting,
                        lab.skill_sd, log_w, (econ.occ_share * log_w).sum(),
                        np.where(econ.occ_tier == 3, lab.specialist_ai_skill, lab.ai_skill_mean),
                        self.effort0)
        nodes = [nd for part in self.shards.map("populate_sums", n0, econ.n_occ) for nd in part]
        employed, units, moments, stats = fold(nodes, self.shards.n_chunks)
        self.employed, self.efficiency_units = employed, units
        self.calibrate(self.employed.copy(), self.efficiency_units.copy())
        # moments of the employed's skill and AI skill, kept by the wage pass from now on
        self.occ_sums[:, 10] = self.employed
        self.occ_sums[:, 7:10] = moments
        self._degree_moments(stats)
        self.within_var0 = self.within_var
        self.degree_gap0 = self.degree_gap
        self.entrant_sd = lab.skill_sd
        self.entrant_gap = lab.degree_skill_gap

    def _stationary_entry(self, stats: F64) -> None:
        """Pre-AI only (frozen once AI arrives): keep the skill distribution stationary.

        Learning moves each degree group's log skill by a mean l_d and spreads it by
        2 cov(ln s, l) + var(l) a quarter, while entrants replace leavers at rate h. Skill
        depreciation is set to average learning (the mean does not drift), and the entrants'
        skill spread and degree gap are set so that entry offsets what learning adds:
        sigma_e^2 = v0 - dv / h and gap_e = gap0 - (l_1 - l_0) / h, so the within-degree
        variance and the degree gap (the screen's prior) stay at their initial values."""
        n = np.maximum(stats[:, 0], 1.0)
        mean_l = stats[:, 1] / n
        total = max(float(stats[:, 0].sum()), 1.0)
        self.skill_depreciation = float(stats[:, 1].sum() / total)
        cov = stats[:, 3] / n - self.degree_mean * mean_l
        var = np.maximum(stats[:, 2] / n - mean_l**2, 0.0)
        dv = float(((2.0 * cov + var) * stats[:, 0]).sum() / total)
        lab = self.sc.labour
        h = 1.0 / (4.0 * lab.working_years) + max(lab.growth, 0.0) / 4.0
        v0 = self.within_var0
        self.entrant_sd = math.sqrt(max(v0 - dv / h, 0.05 * v0))
        self.entrant_gap = max(self.degree_gap0 - float(mean_l[1] - mean_l[0]) / h, 0.0)

    def _degree_moments(self, stats: F64) -> None:
        """Degree-group means of log skill and the pooled within-group variance (the screen's
        prior), from counts, sums and sums of squares (:func:`phase_kernels.degree_moments`:
        two groups, the operations of Python's floats in one compiled call)."""
        (self.skill_mean, self.degree_mean, self.within_var, self.degree_share,
         self.degree_gap) = phase_kernels.degree_moments(
            np.ascontiguousarray(stats[:, :3], dtype=np.float64))

    def step(self) -> None:
        """One quarter: the nine steps of MODEL.md §2, in order."""
        sc = self.sc
        keys = self._period_keys()  # (PERIOD_STREAMS' order)
        # 4. labour supply: retirements and separations, then a cohort of entrants
        hazard = 1.0 / (4.0 * sc.labour.working_years)
        if self._one_chunk is not None:  # (all of it in one compiled call)
            flows, scalars, rows, positions, numbers = self._quarter_in_one_call(
                self._one_chunk, keys, hazard)
        else:
            flows, scalars, rows, positions, numbers = self._quarter_by_passes(keys, hazard)
        retired, separated, in_force, entered = flows
        if self.years < 0 or self.period == 0:
            self._stationary_entry(self.learning_stats)
        (total, mean_wage, benefit, wage_gini, self.skill_mean, _, _, self.within_var,
         self.degree_share, self.degree_gap) = scalars.tolist()
        self.degree_mean = scalars[5:7]
        self.after_close(total, mean_wage, benefit, rows, positions, self.hires, self.n_won)
        capability, cost_ratio, adoption_level, ai_spend, depreciation = numbers
        c = sc.contest
        self.record_scalars((
            float(self.period), self.years, capability, cost_ratio, adoption_level,
            float(in_force + entered), float(entered), float(retired), float(separated),
            ai_spend, self.mean_wage, c.effort_cost, sc.agency.human_failure_rate,
            sc.agency.ai_failure_rate, wage_gini, self.skill_mean, depreciation,
            *self.blame_sums.tolist()))
        self.period += 1

    def _quarter_in_one_call(self, shard: Shard, keys: tuple[np.uint64, ...], hazard: float
                             ) -> tuple[tuple[int, int, int, int], F64, F64, F64,
                                        tuple[float, float, float, float, float]]:
        """All of a quarter of a run of one chunk in one compiled call (:meth:`Shard.quarter`):
        what :meth:`_quarter_by_passes` does, with the same bits. Returns the flows (retired,
        separated, labour force after, entrants), the close's scalars and rows, the positions
        and the record's scalars of steps 1-2 (capability, AI's cost ratio, the adoption level,
        AI spending) and step 7 (skill depreciation)."""
        sc, econ = self.sc, self.econ
        c, lab = sc.contest, sc.labour
        (key_round, key_retire, key_entry, key_entry_skill, key_search, key_test, key_noise,
         key_select, key_trim, key_failure) = keys
        capability, d_capability, cost_ratio, adopting = self._capability()
        # (what depreciation, entrant_profile, demand_inputs and contest_inputs compute from
        # what is known before steps 1-2; the call does the rest, as _quarter_by_passes)
        depreciation = self.skill_loss(d_capability)
        scale, boost = self.demand_scalars()
        room = self.shrink_room()
        head = (
            self.adoption, adopting, capability, cost_ratio, self.human_cost0, self.human_cost,
            *self._ai_constants, self.occ_sums, self.productivity, self.productivity0,
            self.positions_last, self.eta, float(sc.demand.kappa), self.tfp, self.land,
            float(sc.production.land_share), float(sc.production.sigma),
            self.labour_force_target(self.period),
            self.demand_scale, scale, self.income_ref, self.years < 0,
            sc.demand.income_elasticity, self.specialists, boost, key_round, c.noise,
            sc.ai.monitoring, econ.occ_licensed,
            *alg.screen_scalars(sc, self.degree_share, self.degree_gap, self.within_var,
                                capability),
            self.hires_last, self.employed_last, OPENINGS_FLOOR, self.separation, self.finding,
            c.discount, MAX_PRIZE_QUARTERS, econ.occ_tier, sc.learning.ai_focus,
            room is not None,
            self.positions_ref if self.positions_ref is not None else self.positions_last,
            room if room is not None else 1.0, SHRINK_FULL, c.r)
        (flows, score_sums, frictions, bar, self.n_won, self.center, settle_sums,
         self.adoption, inputs, scalars, rows, production, numbers) = shard.quarter(
            head, key_retire, hazard, lab.separation, self.labour_force_target(self.period + 1),
            (key_search, key_test, key_noise, self.degree_mean, sc.agency.blame_penalty,
             c.productivity_weight, c.incumbent_advantage, self.kind == NORMAL, self.center,
             SCORE_HALF_WIDTH, key_entry, key_entry_skill, self.entrant_degree_share(), 0.0,
             self.entrant_sd, self.entrant_gap, lab.ai_skill_mean, lab.entrant_ai_skill_max,
             self.effort0),
            (self.last_bar, key_select, key_trim, sc.wages.bargaining, sc.wages.competition),
            self.kind,
            (self.benefit, self.outside, c.effort_cost, c.adjustment, c.max_effort,
             sc.learning.share, sc.learning.skill_rate, depreciation, sc.learning.ai_rate,
             sc.learning.ai_skill_depreciation / 4.0, sc.agency.human_failure_rate,
             1.0 - sc.agency.mark_decay, sc.agency.threshold,
             sc.screening.ai_skill_threshold, key_failure, self.log_wage_min,
             self.log_wage_max),
            (self._record_row(), self.occ_mean_wage, FLOW_SMOOTHING, sc.wages.replacement,
             self.wage_bin_centres, self.consumption_weight),
            N_SCORE_BINS, self.n_wage_bins)
        # (what phase_ai_and_production and demand_inputs keep)
        adoption_level, self.income_last, self.income_ref, ai_spend = numbers.tolist()
        self.productivity = production[quarter.PER_WORKER]
        self.price = production[quarter.PRICE]
        self.ai_spend = ai_spend
        if room is None:  # (the burn-in: this quarter's positions are the reference)
            self.keep_reference_positions(inputs[quarter.POSITIONS])
        retired, separated, in_force = flows.tolist()
        (self.hist_n, self.hist_x, self.candidates, self.applicants, self.effort_sum,
         entrants) = score_sums
        self.openings, self.contested_openings = frictions[1], frictions[2]
        self.last_bar = bar
        (self.hires, self.separations, self.prize_won, self.degree_stats, self.learning_stats,
         self.occ_sums, self.wage_hist, self.blame_sums) = settle_sums
        return ((int(retired), int(separated), int(in_force), int(entrants[0])), scalars, rows,
                inputs[quarter.POSITIONS],
                (capability, cost_ratio, adoption_level, ai_spend, depreciation))

    def _quarter_by_passes(self, keys: tuple[np.uint64, ...], hazard: float
                           ) -> tuple[tuple[int, int, int, int], F64, F64, F64,
                                      tuple[float, float, float, float, float]]:
        """A quarter with the row passes through the shards' methods, one by one: what
        :meth:`_quarter_in_one_call` does in one call (the same returns)."""
        sc, econ, shards = self.sc, self.econ, self.shards
        c = sc.contest
        (key_round, key_retire, key_entry, key_entry_skill, key_search, key_test, key_noise,
         key_select, key_trim, key_failure) = keys
        # 1. capability and adoption; 2. production (on the people employed after last
        # quarter's contest): efficiency units sum_i s_i (1 + g z_i), from the moments the last
        # wage pass kept (one call)
        ai, prod = self.phase_ai_and_production(self.occ_sums)
        # 4. the entrants' degree share (rising) and AI skill (rising with adoption)
        degree_share, z_entrants = self.entrant_profile(ai)
        # 7. learning: log-skill loss from the base rate and AI's progress
        depreciation = self.depreciation(ai)
        # 3. demand and positions (stochastic rounding keeps the expectation exact: a
        # counter-based stream), with what the contest needs from the per-occupation algebra
        # of steps 5-9 (one call: the rows of steps.contest_inputs)
        inputs = self.contest_inputs(ai, prod, self.degree_share, self.degree_gap,
                                     self.within_var, key_round)
        positions, jitter, noise = inputs[0], inputs[1], inputs[2]
        # 5. search, screening and the contest
        scr = alg.Screen(*inputs[3:8])
        # (the application probabilities are computed where the rows are, from the openings)
        score_args = (SearchCdf(inputs[8]),
                      RowKey(key_search), RowKey(key_test),
                      RowKey(key_noise), self.degree_mean,
                      scr.bayes_weight, scr.test_sd, ai.aug_gain, sc.agency.blame_penalty,
                      c.productivity_weight, c.incumbent_advantage, c.r, noise,
                      self.kind == NORMAL, self.center, SCORE_HALF_WIDTH,
                      RowKey(key_entry), RowKey(key_entry_skill),
                      degree_share, 0.0, self.entrant_sd, self.entrant_gap, z_entrants,
                      self.effort0)
        # 6-9. effort toward the best response; learning and obsolescence; wages, agency, blame
        value = inputs[9]  # revenue product of a kernel unit
        mix = ai.mix
        # (the best-response rows are computed where the rows are, from noise / r)
        best_response = BestResponseRows(inputs[10], self.kind)
        settle_rest = (self.benefit, self.outside, inputs[11], c.r,
                       c.effort_cost, c.adjustment, c.max_effort, c.incumbent_advantage,
                       sc.learning.share, sc.learning.skill_rate, depreciation,
                       sc.learning.ai_rate, inputs[12],
                       sc.learning.ai_skill_depreciation / 4.0, mix.agency0, mix.agency1,
                       mix.human0, mix.human1, mix.machine0, mix.machine1,
                       sc.agency.human_failure_rate, ai.ai_failure,
                       ai.blame_prob, ai.keep_time, 1.0 - sc.agency.mark_decay,
                       inputs[13], ai.ai_unit_cost,
                       sc.agency.threshold,
                       sc.screening.ai_skill_threshold,
                       RowKey(key_failure), self.log_wage_min, self.log_wage_max)
        # (retired, separated, labour force after, free rows after) of each shard, in integers
        flows_of = shards.map("retire", key_retire, hazard, sc.labour.separation)
        retired = sum(int(f[0]) for f in flows_of)
        separated = sum(int(f[1]) for f in flows_of)
        in_force = sum(int(f[2]) for f in flows_of)  # (counted by the pass: no scan)
        n_entrants, _, _ = self.entry_plan(in_force, ai)
        # entrants fill the first free rows in row order: each shard its share of them
        share, left = [], round(n_entrants)
        for free in (int(f[3]) for f in flows_of):  # (what the shards before left)
            share.append(min(max(left, 0), free))
            left -= free
        # (the entrants enter in the score pass, which reads every row's status anyway)
        (self.hist_n, self.hist_x, self.candidates, self.applicants, self.effort_sum,
         entrants) = fold([nd for part in shards.map_each(
             "score", [(int(n), score_args, econ.n_occ, N_SCORE_BINS) for n in share])
             for nd in part], shards.n_chunks)
        candidates = self.candidates.copy()
        # search frictions: openings no applicant reached stay unfilled this quarter
        fillable, self.openings, self.contested_openings = self.frictional_positions(
            positions, candidates, self.applicants)
        fillable = np.minimum(np.floor(fillable + jitter), positions)
        if self.kind == LOGISTIC:
            bar = kern.solve_bars(self.hist_n, self.hist_x, fillable, candidates,
                                  self.last_bar)
            self.last_bar = bar
            self.n_won = _shard_total(shards.map("lottery", bar, noise, c.r, key_select))
            if (self.n_won > fillable).any():
                shards.chain("trim", (fillable, self.n_won), key_trim)
                self.n_won = np.minimum(self.n_won, fillable)
        else:
            bar, cut, take, in_cut = alg.top_m_cut(self.hist_n, self.hist_x, fillable,
                                                   candidates)
            _, won = shards.chain("select_top", (take, in_cut),
                                  (bar, self.center, SCORE_HALF_WIDTH, N_SCORE_BINS, cut),
                                  key_select)
            self.n_won = _shard_total(won)
        self.center = phase_kernels.score_centres(self.hist_x, candidates, self.center)
        settle_args = (bar, noise, best_response, value, ai.aug_gain,
                       self.bargaining(positions, candidates), *settle_rest)
        (self.hires, self.separations, self.prize_won, self.degree_stats, self.learning_stats,
         self.occ_sums, self.wage_hist, self.blame_sums) = fold(
            [nd for part in shards.map("settle", settle_args, econ.n_occ, self.n_wage_bins)
             for nd in part], shards.n_chunks)
        # the close: flows and outside options, the degree groups' moments (the screen's
        # prior), the wage Gini and the period's records, in one call (what close_period,
        # record and _degree_moments do on the outcome objects, the same bits)
        scalars, rows = alg.close_quarter(
            self._record_row(), prod.employed, prod.units, self.n_won, candidates,
            self.applicants, self.hires, self.separations, self.human_cost, self.finding,
            self.separation, self.occ_mean_wage, FLOW_SMOOTHING, sc.wages.replacement,
            c.discount, self.occ_sums, self.wage_hist, self.wage_bin_centres,
            self.degree_stats, positions, self.openings, self.contested_openings,
            prod.out.output, self.effort_sum, self.prize_won, self.land, mix.ai_use,
            mix.labour_share, bar, value, prod.tfp, prod.price, prod.out.mpl, ai.review,
            scr.degree_weight, scr.degree_required, scr.degree_required_ai, econ.occ_tier,
            mix.firm_augment, self.consumption_weight)
        return ((retired, separated, in_force, int(entrants[0])), scalars, rows, positions,
                (ai.capability, ai.cost_ratio, ai.adoption_level, prod.ai_spend, depreciation))


__all__ = ["EMPLOYED", "OUT", "UNEMPLOYED", "LabourMarket", "prepare_engine"]
