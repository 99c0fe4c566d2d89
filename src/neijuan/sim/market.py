"""What the stochastic engine and the mean-field model share: a period's per-occupation algebra.

A period of MODEL.md §2 has two kinds of work. The per-person part (who retires, who applies
where, who wins the contest, how each person's effort, skill, wage and agency move) is done by
:class:`~neijuan.sim.model.LabourMarket` with compiled passes over rows, and by
:class:`~neijuan.theory.meanfield.MeanFieldMarket` with expected flows between groups. The
per-occupation part (capability and adoption, production, prices and positions, the screen,
bargaining and outside options, labour-market flows, the calibration of the pre-AI equilibrium and
the records) is the same for both and is written once, here.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from neijuan.sim import kernels as kern
from neijuan.sim import phase_kernels
from neijuan.sim import steps as alg
from neijuan.sim.constants import LOGISTIC, NORMAL
from neijuan.sim.economy import Economy, more_exposed_occupations

if TYPE_CHECKING:  # annotations only: the model imports without pydantic
    from neijuan.config import Scenario

F64 = NDArray[np.float64]

INITIAL_FINDING = 0.4       # quarterly job-finding rate assumed before the first period
INITIAL_SEPARATION = 0.04   # quarterly separation rate assumed before the first period
FLOW_SMOOTHING = 0.5        # weight of the past in the smoothed flow rates
MAX_PRIZE_QUARTERS = 80.0   # cap on the value of a job, quarters of rent
OPENINGS_FLOOR = 0.01       # every occupation keeps 1% of its positions' weight in search
SHRINK_FULL = 0.05          # fall of positions (vs the labour force) at which AI-able work
                            # counts fully against being needed
TIERS = ("low", "mid", "high", "ai")
SUMMED_ROWS = 25            # the first rows of a period's raw records: summed over occupations
GROUPED_ROWS = (0, 1, 6, 9, 10)  # of those, the ones summed over groups of occupations too
RECORD_BLOCK = 32           # periods whose records are derived together, at the least
RECORD_BUFFER_BYTES = 8 << 20  # up to which a block holds more periods (see _record_row)
OCCUPATION_ROWS = [0, 1, 2, 3, 4, 5, 8, 10, 11, 16, 28, 29, 30, 31, 32, 33, 34]  # the raw
# records' rows the per-occupation records read: employed after the contest and at production,
# positions, candidates, applicants, hires, output, the wage bill, effort, agency, AI use, the
# labour share, the bar, the value of efficiency, efficiency units, TFP, the price


@dataclass(slots=True)  # (a period's record; frozen dataclasses build 4x slower)
class AIState:
    """Step 1's outcome for this period."""

    capability: float
    d_capability: float       # rise of capability this quarter (0 in the burn-in)
    cost_ratio: float
    ai_price: F64             # AI cost per unit of task work, per occupation
    mix: alg.TaskMix
    aug_scale: F64            # uplift every person in the occupation gets from augmentation,
                              # net of the time lost to defensive review
    aug_gain: F64             # extra uplift per unit of AI skill (relative to aug_scale)
    adoption_level: float
    blame_prob: F64           # P(the person is blamed | an AI-originated failure they signed off)
    review: F64               # share of working time in defensive review
    pass_rate: F64            # share of AI failures the review lets through
    ai_unit_cost: F64         # AI's cost for a person's efficiency unit of work (needed or not)
    keep_time: F64            # share of working time not in defensive review, 1 - review
    ai_failure: F64           # rate of AI failures that get past the review


@dataclass(slots=True)  # (a period's record; frozen dataclasses build 4x slower)
class ProductionState:
    """Step 2's outcome."""

    employed: F64
    units: F64                # efficiency units of labour (uplift included)
    price: F64
    out: alg.Output
    productivity: F64
    ai_spend: float
    tfp: F64                  # productivity level A used this period
    list_price: F64           # price before scarcity: what demand (and positions) answer to


@dataclass(slots=True)  # (a period's record; frozen dataclasses build 4x slower)
class ContestOutcome:
    """Step 5's outcome, per occupation."""

    positions: F64
    candidates: F64
    applicants: F64
    hires: F64
    separations: F64
    employed: F64             # after the contest
    effort_sum: F64           # effort of the candidates in the contest
    prize_won: F64
    bar: F64


@dataclass(slots=True)  # (a period's record; frozen dataclasses build 4x slower)
class WorkOutcome:
    """Steps 8-9's outcome: wages, agency and blame, per occupation unless stated."""

    wage_sum: F64
    ai_n: F64
    ai_log_wage: F64
    non_ai_n: F64
    non_ai_log_wage: F64
    agency_sum: F64
    retained_not_needed: F64
    skill_wage: F64           # (n_occ, 4): sum ln s with / without AI skill, sum (ln s)^2, ln s ln w
    blame: F64                # human volume, AI volume, F_h, F_ai, F_ai blamed (economy totals)
    wage_gini: float


class MarketBase:
    """State and algebra common to the stochastic and the mean-field model."""

    def __init__(self, scenario: Scenario, economy: Economy, seed: int) -> None:
        self.sc = scenario
        self.econ = economy
        self.seed = int(seed)
        self.total_periods = scenario.run.burn_in + scenario.run.periods
        self.period = 0
        self.kind = LOGISTIC if scenario.contest.rule == "tullock" else NORMAL
        self.adoption = np.zeros(economy.n_tasks)
        self.eta = (np.full(economy.n_sectors, scenario.demand.eta) if scenario.demand.eta
                    is not None else economy.sector_eta)[economy.occ_sector]
        self.more_exposed = more_exposed_occupations(economy)
        # what the phases read every period and never changes in a run
        self.specialists = economy.occ_tier == 3  # AI-specialist occupations
        self.has_specialists = bool(self.specialists.any())
        self.task_speed = economy.sector_speed[economy.occ_sector][economy.task_occ]
        self.task_split = alg.biased_split(economy.task_automation, economy.task_augmentation,
                                           scenario.ai.automation_bias)
        # the records: periods recorded but not yet derived (their raw arrays, the first
        # ``_n_raw`` of a block's buffer, periods x rows x occupations, allocated at the first
        # record; their scalars), then blocks of derived records, each (economy-wide series,
        # per-occupation series) over the periods derived together (see record)
        self._raw_block: F64 | None = None
        self._n_raw = 0
        self._raw_scalars: list[tuple[float, ...]] = []
        self._record_blocks: list[tuple[dict[str, F64], dict[str, F64]]] = []
        high = economy.sector_high_exposure[economy.occ_sector]
        # the groups the records sum over: the tiers, high and low exposure, more and less
        # exposed occupations
        self.record_groups = np.array(
            [economy.occ_tier == t for t in range(len(TIERS))]
            + [high, ~high, self.more_exposed, ~self.more_exposed], dtype=np.bool_)
        self.capability = 0.0
        self.skill_depreciation = 0.0
        self.mean_wage = 1.0
        self.ai_spend = 0.0
        self.labour_force0 = float(scenario.run.workers)
        self.income_ref = 0.0       # real output per head at the end of the burn-in
        self.income_last = 0.0      # real output per head last quarter
        self.positions_ref: F64 | None = None  # positions at the end of the burn-in
        self.labour_ref = 1.0
        n = economy.n_occ
        self.finding = np.full(n, INITIAL_FINDING)
        self.separation = np.full(n, INITIAL_SEPARATION)
        c = scenario.contest
        p_keep = 1.0 - scenario.labour.initial_unemployment
        prize = (1.0 - scenario.wages.replacement) / (c.discount + INITIAL_FINDING
                                                      + INITIAL_SEPARATION)
        # first guess of effort: the symmetric Tullock equilibrium at the initial retention rate
        self.effort0 = float(min(c.r * prize * p_keep * (1 - p_keep) / (c.noise * c.effort_cost),
                                 c.max_effort))

    # ---------------------------------------------------------------------------- calibration
    def calibrate(self, employed: F64, units: F64) -> None:
        """The pre-AI equilibrium: each occupation's productivity level A is set so that its mean
        wage is its base wage, demand so that positions equal employment, land to the initial
        labour input. ``units`` are the initial efficiency units (no AI)."""
        sc, econ = self.sc, self.econ
        self.benefit = sc.wages.replacement * 1.0
        self.occ_mean_wage = econ.occ_wage.copy()
        self.outside = self.outside_options()
        beta = sc.wages.bargaining * (1.0 - sc.labour.initial_unemployment) ** sc.wages.competition
        alpha = sc.production.land_share
        # mean efficiency per person (1 where an occupation starts empty, as in a tiny run)
        mean_h = np.where(employed > 0, units / np.maximum(employed, 1e-12), 1.0)
        self.tfp = (econ.occ_wage - (1.0 - beta) * self.outside) / (beta * (1.0 - alpha) * mean_h)
        if np.any(self.tfp <= 0):
            raise ValueError("calibration failed: a base wage is below the outside option share")
        self.land = units.copy()
        self.output0 = self.tfp * units
        self.output0_total = float(self.output0.sum())  # (set with output0: step 3 reads it)
        self.demand_scale = self.output0.copy()
        self.productivity0 = self.tfp * mean_h
        self.productivity = self.productivity0.copy()
        self.human_cost0 = econ.occ_wage / mean_h  # wage per efficiency unit before AI
        self.human_cost = self.human_cost0.copy()
        self.consumption_weight = self.output0 / self.output0.sum()
        self.price = np.ones(econ.n_occ)
        self.positions_last = employed.copy()
        self.hires_last = 0.05 * employed
        self.employed_last = employed.copy()

    def recalibrate(self, employed: F64) -> None:
        """Burn-in only: nudge each occupation's productivity level so that its mean wage settles
        at the base wage once flows and effort have found their equilibrium (output, demand and
        prices scale with it, so positions are unchanged)."""
        have = employed > 0
        factor = np.where(have, np.sqrt(self.econ.occ_wage / np.maximum(self.occ_mean_wage,
                                                                          1e-9)), 1.0)
        factor = np.clip(factor, 0.8, 1.25)
        for name in ("tfp", "output0", "demand_scale", "productivity0", "productivity"):
            setattr(self, name, getattr(self, name) * factor)
        self.output0_total = float(self.output0.sum())
        self.human_cost0 = self.human_cost.copy()

    def calibrate_demand(self, employed: float) -> None:
        """Burn-in only: scale demand (hence positions) so that the pre-AI economy settles at
        the stated unemployment rate ``labour.initial_unemployment`` once separations and
        search frictions have found their flows; frozen once AI arrives."""
        target = 1.0 - self.sc.labour.initial_unemployment
        rate = employed / max(self.labour_force_target(self.period + 1), 1e-12)
        if rate > 0:
            self.demand_scale = self.demand_scale * float(np.clip(
                (target / rate) ** 0.5, 0.9, 1.1))

    # ------------------------------------------------------------------------------ helpers
    @property
    def years(self) -> float:
        """Years since the start of the measured window (negative during the burn-in)."""
        return (self.period - self.sc.run.burn_in) / 4.0

    def labour_force_target(self, period: int) -> float:
        return self.labour_force0 * (1.0 + self.sc.labour.growth) ** (period / 4.0)

    def outside_options(self) -> F64:
        """Step 8: each occupation's outside option, the flow value of unemployment
        rU = b + lambda (w - b), lambda = f / (r + s + f) (a job-search asset value: with fewer
        jobs to find, f falls and so do the outside option and the wage). Used at calibration;
        each period's comes with the flows (:func:`~neijuan.sim.phase_kernels.close_flows`,
        the same formula)."""
        r = self.sc.contest.discount
        lam = self.finding / (r + self.separation + self.finding)
        return self.benefit + lam * np.maximum(self.occ_mean_wage - self.benefit, 0.0)

    def horizon(self) -> F64:
        """Quarters of wage rent a job is worth over unemployment, 1 / (r + s + f): the prize is
        W - U = (w - b) / (r + s + f)."""
        return phase_kernels.horizon(self.separation, self.finding, self.sc.contest.discount,
                                     MAX_PRIZE_QUARTERS)

    def bargaining(self, positions: F64, candidates: F64) -> F64:
        """Step 8: workers' share of the marginal revenue product, eroded by competition for
        positions: beta * (M / N)^xi (with more candidates per position a firm can replace a
        worker more easily, so it concedes less of the rent)."""
        return phase_kernels.bargaining(positions, candidates, self.sc.wages.bargaining,
                                        self.sc.wages.competition)

    # -------------------------------------------------------------------------------- phases
    def phase_ai(self) -> AIState:
        """Step 1: capability advances; firms adopt AI on tasks it can do more cheaply.

        Bass diffusion where AI can do the task and is cheaper than people (with AI on, in the
        AI era); the task mix on the tasks AI can do. Step 9's liability rule: under
        "confirmer" whoever signed off an AI-originated decision answers for its failure; under
        "authority" only for what they could change. Uplift of augmented work, u (w0 + (1 - w0)
        z) on the augmented share G of the work: efficiency = s (1 + G u w0 + G u (1 - w0) z) =
        aug_scale * s * (1 + aug_gain * z); the per-person passes see aug_gain; aug_scale
        multiplies efficiency units and their value. Time in defensive review produces nothing:
        it scales every person's output by (1 - d). (plain = 1 + G u w0, aug_gain = G u (1 -
        w0) / plain, aug_scale = plain (1 - d); the adoption level is AI use weighted by
        employment shares.) All of it one compiled call (:func:`~neijuan.sim.steps.ai_phase`)."""
        capability, d_capability, cost_ratio, adopting = self._capability()
        self.adoption, rows, adoption_level = alg.ai_phase(
            self.adoption, adopting, capability, cost_ratio, self.human_cost0, self.human_cost,
            *self._ai_constants)
        return self._ai_state(capability, d_capability, cost_ratio, rows, adoption_level)

    def _capability(self) -> tuple[float, float, float, bool]:
        """Step 1's scalars: ``(capability, its rise this quarter, AI's cost ratio, whether
        firms adopt)``; keeps the capability."""
        sc = self.sc
        years = self.years
        capability = alg.capability(years, sc.ai)
        # obsolescence follows the growth of capability within the AI era (not its arrival)
        d_capability = max(capability - self.capability, 0.0) if years > 0 else 0.0
        self.capability = capability
        return (capability, d_capability, alg.ai_cost_ratio(years, sc.ai),
                sc.ai.enabled and years >= 0)

    @functools.cached_property
    def _ai_constants(self) -> tuple[Any, ...]:
        """:func:`~neijuan.sim.steps.ai_phase`'s arguments after the human cost: the economy's
        tasks and the scenario's parameters (the same every quarter of a run)."""
        sc, econ, ag = self.sc, self.econ, self.sc.agency
        automation, augmentation = self.task_split
        return (econ.task_threshold, econ.task_occ, self.task_speed, sc.adoption.innovation,
                sc.adoption.imitation, 0.25, econ.task_share, econ.task_originate, automation,
                augmentation, ag.augment_origination, ag.review_burden,
                sc.ai.reinstatement if sc.ai.enabled else 0.0, ag.liability_rule == "confirmer",
                ag.liability, ag.ai_failure_rate, ag.defensive_review, -ag.review_detection,
                ag.max_review, alg.REVIEW_HALVINGS, sc.ai.uplift, sc.ai.uplift_without_skill,
                econ.occ_share)

    @staticmethod
    def _ai_state(capability: float, d_capability: float, cost_ratio: float, rows: F64,
                  adoption_level: float) -> AIState:
        """Step 1's outcome from :func:`~neijuan.sim.steps.ai_phase`'s rows."""
        mix = alg.TaskMix(*rows[1:16])
        (blame_prob, review, pass_rate, aug_gain, aug_scale, unit_cost, keep,
         failing) = rows[16:24]
        return AIState(capability, d_capability, cost_ratio, rows[0], mix, aug_scale, aug_gain,
                       adoption_level, blame_prob, review, pass_rate, unit_cost, keep, failing)

    def phase_production(self, ai: AIState, employed: F64, raw_units: F64) -> ProductionState:
        """Step 2: output from people (efficiency units) and AI task work at its price."""
        sc = self.sc
        rows, income, ai_spend = alg.production_phase(
            raw_units, ai.aug_scale, self.productivity, self.productivity0, employed,
            self.positions_last, self.eta, float(sc.demand.kappa), ai.mix.labour_share,
            ai.ai_price, self.tfp, self.land, float(sc.production.land_share),
            float(sc.production.sigma), self.labour_force_target(self.period))
        return self._production_state(employed, rows, income, ai_spend)

    def _production_state(self, employed: F64, rows: F64, income: float, ai_spend: float
                          ) -> ProductionState:
        """Step 2's outcome from :func:`~neijuan.sim.steps.production_phase`'s results; keeps
        output per worker (last quarter's where nobody works), output per head and the
        price."""
        self.income_last = income
        self.productivity = rows[7]
        self.price = rows[2]
        out = alg.Output(ai_input=rows[3], composite=rows[4], output=rows[5], mpl=rows[6])
        return ProductionState(employed, rows[0], rows[2], out, rows[7], ai_spend,
                               self.tfp.copy(), rows[1])

    def phase_ai_and_production(self, occ_sums: F64) -> tuple[AIState, ProductionState]:
        """Steps 1 and 2 in one compiled call (:func:`~neijuan.sim.steps.ai_and_production`,
        the engine's): :meth:`phase_ai`, then :meth:`phase_production` on the employed and
        their efficiency units from the moments the last wage pass kept (``occ_sums``: columns
        10, 7 and 8), the same bits."""
        sc = self.sc
        capability, d_capability, cost_ratio, adopting = self._capability()
        args = (self.adoption, adopting, capability, cost_ratio, self.human_cost0,
                self.human_cost, *self._ai_constants, occ_sums, self.productivity,
                self.productivity0, self.positions_last, self.eta, float(sc.demand.kappa),
                self.tfp, self.land, float(sc.production.land_share),
                float(sc.production.sigma), self.labour_force_target(self.period))
        (self.adoption, ai_rows, adoption_level, rows, income, ai_spend,
         employed) = alg.ai_and_production(*args)
        return (self._ai_state(capability, d_capability, cost_ratio, ai_rows, adoption_level),
                self._production_state(employed, rows, income, ai_spend))

    def phase_positions(self, prod: ProductionState) -> F64:
        """Step 3: demand at this price (scaled with the labour force; for AI specialists also
        with last quarter's AI spending); positions = labour needed to meet it."""
        return phase_kernels.positions(*self.demand_inputs(prod))

    def demand_inputs(self, prod: ProductionState
                      ) -> tuple[F64, float, F64, F64, NDArray[np.bool_], float, F64, F64, F64,
                                 float]:
        """Step 3's arguments of :func:`~neijuan.sim.phase_kernels.positions` (the engine
        rounds them in the same call, :func:`~neijuan.sim.phase_kernels.rounded_positions`)."""
        scale, boost = self.demand_scalars()
        # income effect: demand in every sector rises with real output per head, relative to the
        # end of the burn-in (non-homothetic demand, D = A p^-eta Y^eps)
        scale, self.income_ref = phase_kernels.income_scale(
            scale, self.income_last, self.income_ref, self.years < 0,
            self.sc.demand.income_elasticity)
        self.ai_spend = prod.ai_spend
        # D = A scale P^-eta, positions M = E (D / Y)^(1 / (1 - alpha))
        return (self.demand_scale, scale, prod.list_price, self.eta, self.specialists, boost,
                prod.out.output, prod.employed, prod.productivity,
                self.sc.production.land_share)

    def demand_scalars(self) -> tuple[float, float]:
        """Step 3's scales before this quarter's income: ``(scale, boost)``, demand scaled with
        the labour force (where the scenario says so) and, for AI specialists, the boost from
        last quarter's AI spending (as a share of pre-AI output), in proportion to the
        specialists' own baseline, whatever their size in the economy."""
        sc = self.sc
        scale = (self.labour_force_target(self.period) / self.labour_force0
                 if sc.demand.growth_with_labour else 1.0)
        boost = 1.0
        if self.has_specialists and sc.ai.specialist_demand > 0:
            spending_share = self.ai_spend / max(self.output0_total, 1e-300)
            boost = 1.0 + sc.ai.specialist_demand * spending_share
        return scale, boost

    def replaceable_where_shrinking(self, ai: AIState, positions: F64) -> F64:
        """Step 9: the share of a person's time AI could take on counts against being needed
        only where the room for people shrinks: the occupation's positions have fallen behind
        the labour force since the end of the burn-in (fully from a 5% fall, in proportion
        below). Where demand for people keeps growing, as with elastic demand, people are still
        needed for their work."""
        room, reference = self.shrink_room(), self.positions_ref
        if room is None or reference is None:
            self.keep_reference_positions(positions)
            return np.zeros_like(positions)
        # fall = 1 - M / (M_ref room): fully where positions fell 5% or more behind the labour
        # force, in proportion below
        return phase_kernels.shrinking_weight(positions, reference, room, SHRINK_FULL,
                                              ai.mix.replaceable)

    def shrink_room(self) -> float | None:
        """Step 9: the labour force relative to the end of the burn-in (what positions are
        measured against); None in the burn-in, where positions are kept as the reference
        instead (:meth:`keep_reference_positions`)."""
        if self.years < 0 or self.positions_ref is None:
            return None
        return self.labour_force_target(self.period) / self.labour_ref

    def keep_reference_positions(self, positions: F64) -> None:
        """Burn-in: this quarter's positions and labour force become the reference that
        :meth:`shrink_room` measures the AI era against (the last burn-in quarter's stays)."""
        self.positions_ref = positions.copy()
        self.labour_ref = self.labour_force_target(self.period)

    def contest_inputs(self, ai: AIState, prod: ProductionState, degree_share: float,
                       degree_gap: float, within_var: float, key_round: np.uint64) -> F64:
        """Step 3 and what the contest needs from steps 5-9's per-occupation algebra, in one
        compiled call (:func:`~neijuan.sim.steps.contest_inputs`, its rows): positions rounded
        (with the stream ``key_round``) and their draws, the screen's noise and
        :class:`~neijuan.sim.steps.Screen` arrays, the openings applications go to, the value
        of efficiency, noise / r, the horizon, the AI focus and the replaceable share where
        positions shrink times the time kept from review. The same as :meth:`phase_positions`,
        :meth:`phase_screen`, :meth:`search_openings`, :meth:`horizon`, :meth:`ai_focus` and
        :meth:`replaceable_where_shrinking` called one after the other (which the Mesa and
        mean-field models call)."""
        sc, econ = self.sc, self.econ
        room = self.shrink_room()
        shrinking = room is not None
        mix = ai.mix
        rows: F64 = alg.contest_inputs(
            *self.demand_inputs(prod), key_round, mix.firm_adoption, sc.contest.noise,
            sc.ai.monitoring, econ.occ_licensed,
            *alg.screen_scalars(sc, degree_share, degree_gap, within_var, ai.capability),
            self.hires_last, self.employed_last, OPENINGS_FLOOR, self.separation, self.finding,
            sc.contest.discount, MAX_PRIZE_QUARTERS, mix.ai_use, econ.occ_tier,
            sc.learning.ai_focus, shrinking,
            self.positions_ref if self.positions_ref is not None else self.positions_last,
            room if room is not None else 1.0, SHRINK_FULL, mix.replaceable, ai.keep_time,
            prod.price, prod.out.mpl, ai.aug_scale, sc.contest.r)
        if not shrinking:
            self.keep_reference_positions(rows[0])
        return rows

    def frictional_positions(self, positions: F64, candidates: F64, applicants: F64
                             ) -> tuple[F64, F64, F64]:
        """Step 5, search frictions (urn-ball; Butters 1977, Burdett-Shi-Wright 2001).

        The V openings of an occupation are its positions not held by an incumbent; its U
        applicants each send one application to an opening at random, so an opening gets a
        Poisson(U / V) number of them: V e^(-U/V) openings receive none and stay unfilled this
        quarter, and V (1 - e^(-U/V) (1 + U/V)) receive more than one (a contest among
        applicants). Returns ``(fillable positions, openings, contested openings)``."""
        fillable, openings, contested = phase_kernels.frictions(positions, candidates,
                                                                applicants)  # (rows)
        return fillable, openings, contested

    def entry_plan(self, in_force: float, ai: AIState) -> tuple[float, float, float]:
        """Step 4: how many enter (the labour force grows at g_L), their degree share (rising)
        and their mean AI skill (rising with adoption)."""
        n = max(self.labour_force_target(self.period + 1) - in_force, 0.0)
        return (n, *self.entrant_profile(ai))

    def entrant_profile(self, ai: AIState) -> tuple[float, float]:
        """Step 4: the entrants' degree share (rising) and mean AI skill (rising with
        adoption)."""
        lab = self.sc.labour
        return self.entrant_degree_share(), phase_kernels.entrant_ai_skill(
            lab.ai_skill_mean, lab.entrant_ai_skill_max, ai.adoption_level)

    def entrant_degree_share(self) -> float:
        """Step 4: the entrants' degree share, rising by its trend in the AI era."""
        lab = self.sc.labour
        start = lab.degree_share if lab.entrant_degree_share is None else lab.entrant_degree_share
        return min(max(start + lab.entrant_degree_trend * max(self.years, 0.0), 0.0), 1.0)

    def search_openings(self, positions: F64) -> F64:
        """Step 5 (search): the openings applications go to: last quarter's hires plus positions
        not filled now (vacancies)."""
        return phase_kernels.search_openings(self.hires_last, positions, self.employed_last,
                                             OPENINGS_FLOOR)

    def phase_screen(self, ai: AIState, positions: F64, degree_share: float, degree_gap: float,
                     within_var: float, with_cdf: bool = True
                     ) -> tuple[F64 | None, F64, alg.Screen]:
        """Step 5 (set-up): where applications go, the screen's noise, the Bayesian weights.
        ``with_cdf=False`` leaves the application probabilities out (``None``): the engine's
        shards compute them where the rows are."""
        sc = self.sc
        cdf = alg.search_cdf(self.econ, self.search_openings(positions)) if with_cdf else None
        noise = phase_kernels.screen_noise(ai.mix.firm_adoption, sc.contest.noise,
                                           sc.ai.monitoring)
        scr = alg.screen(sc, self.econ, ai.mix, degree_share, degree_gap, within_var,
                         ai.capability)
        return cdf, noise, scr

    def ai_focus(self, ai: AIState) -> F64:
        """Step 7: share of learning spent on AI skill, by occupation contested."""
        return phase_kernels.ai_focus(ai.mix.ai_use, self.econ.occ_tier,
                                      self.sc.learning.ai_focus)

    def depreciation(self, ai: AIState) -> float:
        """Step 7: log-skill loss this quarter: the base rate plus obsolescence from AI progress."""
        return self.skill_loss(ai.d_capability)

    def skill_loss(self, d_capability: float) -> float:
        """:meth:`depreciation` from the rise of capability this quarter."""
        return self.skill_depreciation + self.sc.learning.obsolescence * d_capability

    def close_period(self, prod: ProductionState, contest: ContestOutcome,
                     work: WorkOutcome) -> None:
        """After wages: prices of labour per efficiency unit, flows, outside options, and (in
        the burn-in) the calibration of the pre-AI equilibrium."""
        sc = self.sc
        total, mean_wage, benefit, rows = phase_kernels.close_flows(
            prod.employed, prod.units, contest.employed, work.wage_sum, contest.candidates,
            contest.applicants, contest.hires, contest.separations, self.human_cost,
            self.finding, self.separation, self.occ_mean_wage, FLOW_SMOOTHING,
            sc.wages.replacement, sc.contest.discount)
        self.after_close(total, mean_wage, benefit, rows, contest.positions, contest.hires,
                         contest.employed)

    def after_close(self, total: float, mean_wage: float, benefit: float, rows: F64,
                    positions: F64, hires: F64, employed: F64) -> None:
        """:meth:`close_period`'s state from :func:`~neijuan.sim.phase_kernels.close_flows`'
        results (``total`` employed, the mean wage, the benefit and the rows), this quarter's
        positions, hires and employment after the contest."""
        self.mean_wage, self.benefit = mean_wage, benefit
        self.human_cost, self.finding, self.separation, self.occ_mean_wage, self.outside = rows
        if self.years < 0:
            self.recalibrate(employed)
            self.calibrate_demand(total)
        self.positions_last = positions
        self.hires_last = hires.copy()
        self.employed_last = employed.copy()

    # ------------------------------------------------------------------------------- records
    def record(self, ai: AIState, prod: ProductionState, contest: ContestOutcome,
               work: WorkOutcome, scr: alg.Screen, value: F64, *, labour_force: float,
               entered: float, retired: float, separated: float, openings: F64,
               contested_openings: F64, skill_mean: float, depreciation: float) -> None:
        """Keep this period's raw per-occupation arrays and scalars, copied into the block's
        buffer (figures.py defines every figure from the records).

        The records' sums over occupations (and over groups of them: tiers, exposure), the
        AI-skill wage figures and the per-occupation ratios are derived from these a block of
        periods at a time (:meth:`_record_row`), or when the records are read (:meth:`series`,
        :meth:`occupation_series`): the same values, bit for bit, for about a fifth less than
        deriving them period by period (measured at 10^4 workers: 45-54 us a period against
        59-67). A derivation at 20 occupations takes some 170 us and 4 us a period (its sums
        where the buffer lies, the AI-skill wage figures, the dicts of some 70 records); the
        buffer takes 39 x 8 bytes an occupation and a period."""
        sc = self.sc
        mix = ai.mix
        phase_kernels.record_rows(
            self._record_row(), contest.employed, prod.employed, contest.positions,
            contest.candidates, contest.applicants, contest.hires, openings, contested_openings,
            prod.out.output, work.wage_sum, contest.effort_sum, contest.prize_won, self.land,
            work.ai_n, work.agency_sum, work.retained_not_needed, work.ai_log_wage,
            work.non_ai_n, work.non_ai_log_wage, mix.ai_use, mix.labour_share, contest.bar,
            value, prod.units, prod.tfp, prod.price, np.ascontiguousarray(work.skill_wage.T),
            prod.out.mpl, ai.review, scr.degree_weight, scr.degree_required,
            scr.degree_required_ai, self.econ.occ_tier, mix.firm_augment,
            self.consumption_weight)
        self.record_scalars((float(self.period), self.years, ai.capability, ai.cost_ratio,
                             ai.adoption_level, labour_force, entered, retired, separated,
                             prod.ai_spend, self.mean_wage, sc.contest.effort_cost,
                             sc.agency.human_failure_rate, sc.agency.ai_failure_rate,
                             work.wage_gini, skill_mean, depreciation, *work.blame.tolist()))

    def _record_row(self) -> F64:
        """The block buffer's row for this period's raw records (allocated at the first).

        A block holds :data:`RECORD_BLOCK` periods, or as many more as fit in
        :data:`RECORD_BUFFER_BYTES` up to the run's length: a derivation costs some 170 us
        whatever its periods (4 us a period more), so with few occupations a run derives its
        records once, when they are read (at 20 occupations, 224 periods in 1.4 MB), and at
        800 occupations every 33 periods."""
        if self._raw_block is None:
            per_period = phase_kernels.RECORD_ROWS * self.econ.n_occ * 8
            periods = max(RECORD_BLOCK,
                          min(self.total_periods, RECORD_BUFFER_BYTES // per_period))
            self._raw_block = np.empty((periods, phase_kernels.RECORD_ROWS, self.econ.n_occ))
        return self._raw_block[self._n_raw]

    def record_scalars(self, scalars: tuple[float, ...]) -> None:
        """Close this period's record with its economy-wide scalars (its raw per-occupation
        records written into :meth:`_record_row`); derive the block's records when it is
        full."""
        self._n_raw += 1
        self._raw_scalars.append(scalars)
        if self._raw_block is not None and self._n_raw >= self._raw_block.shape[0]:
            self._derive_records()

    def _derive_records(self) -> None:
        """The economy-wide and per-occupation records of the periods recorded since the last
        call (see :meth:`record`), all of them at once; their raw arrays are then let go.

        Each period's sums over occupations and groups are taken as before, row by row in one
        compiled call for all the periods, on the block's buffer where it lies
        (:func:`~neijuan.sim.steps.block_sums`, bit for bit NumPy's ``sum`` of each row;
        NumPy's own ``sum`` over an axis of a 3-d array does not add in the same order); the
        rest is elementwise over the periods. The per-occupation records are copies: the buffer
        takes the next block's periods."""
        if self._raw_block is None or self._n_raw == 0:
            return
        raw = self._raw_block[:self._n_raw]  # periods x rows x occ (a view: copied below)
        # (each record's periods side by side: the rows below are the records, not copied
        # again)
        scalars = np.array(self._raw_scalars, dtype=np.float64).T.copy()
        self._n_raw = 0
        self._raw_scalars.clear()
        n_summed = SUMMED_ROWS
        # the totals, then the group sums of only the rows read by group below (a fifth of
        # the rows)
        totals, by_group_all = alg.block_sums(raw, n_summed, GROUPED_ROWS, self.record_groups)
        by_group_all = np.ascontiguousarray(by_group_all.transpose(1, 2, 0))  # rows x groups x p
        by_group = {row: by_group_all[k] for k, row in enumerate(GROUPED_ROWS)}
        specialist = self.econ.occ_tier == 3
        # the AI-skill wage figures (premium, return, decomposition): one compiled call for the block
        premium = np.ascontiguousarray(alg.premium_figures_by_period(
            raw, (15, n_summed, n_summed + 1, n_summed + 2, n_summed + 10), specialist).T)
        (employed, employed_at_production, positions, candidates, applicants, hires_sum,
         openings_sum, contested_sum, output, revenue_sum, wage_bill, effort_total, prize_won,
         mpl_real_total, land, ai_skilled, agency_sum, retained_not_needed, review_weighted,
         at_work_sum, degree_weight, degree_required, degree_required_ai, ai_hires,
         cpi) = np.ascontiguousarray(totals.T)
        (period, years, capability, cost_ratio, adoption_level, labour_force, entered, retired,
         separated, ai_spend, mean_wage, effort_cost, human_failure_rate, ai_failure_rate,
         wage_gini, skill_mean, depreciation, human_volume, machine_volume, failures_human,
         failures_machine, failures_machine_blamed) = scalars
        hires_total = np.maximum(hires_sum, 1e-12)
        rec: dict[str, F64] = dict(
            period=period, years=years, capability=capability,
            ai_cost=cost_ratio, adoption=adoption_level, labour_force=labour_force,
            employed=employed, employed_at_production=employed_at_production,
            positions=positions, candidates=candidates, applicants=applicants, hires=hires_sum,
            entrants=entered, retirements=retired, separations=separated,
            openings=openings_sum, contested_openings=contested_sum,
            ai_gap_log=premium[2], ai_gap_return=premium[3],
            ai_gap_selection=premium[4], ai_gap_specialist=premium[5],
            ai_gap_composition=premium[6],
            ai_return_log=premium[1],
            review_time=review_weighted / np.maximum(at_work_sum, 1e-12),
            output=output, revenue=revenue_sum,
            ai_spend=ai_spend, cpi=cpi, wage_bill=wage_bill,
            mean_wage=mean_wage, effort_total=effort_total,
            prize_won=prize_won, effort_cost=effort_cost,
            mpl_real_total=mpl_real_total,
            land=land,
            degree_weight=degree_weight / hires_total,
            degree_required=degree_required / hires_total,
            degree_required_ai=degree_required_ai / np.maximum(ai_hires + 1e-9 * hires_total,
                                                               1e-300),
            ai_postings=ai_hires / hires_total,
            ai_premium_log=premium[0],
            ai_skilled=ai_skilled,
            agency_sum=agency_sum,
            retained_not_needed=retained_not_needed,
            human_volume=human_volume, machine_volume=machine_volume,
            failures_human=failures_human, failures_machine=failures_machine,
            failures_machine_blamed=failures_machine_blamed,
            human_failure_rate=human_failure_rate,
            ai_failure_rate=ai_failure_rate,
            wage_gini=wage_gini, skill_mean=skill_mean, skill_depreciation=depreciation,
        )
        # groups (record_groups' rows): the tiers, then high and low exposure, then the
        # occupations more and less exposed (postings, as PwC counts them)
        for t, name in enumerate(TIERS):
            rec[f"employed_{name}"] = by_group[0][t]
            rec[f"wage_bill_{name}"] = by_group[10][t]
        for g, group in enumerate(("high", "low")):
            rec[f"revenue_{group}_exposure"] = by_group[9][len(TIERS) + g]
            rec[f"employed_{group}_exposure"] = by_group[1][len(TIERS) + g]
        rec["openings_more_exposed"] = by_group[6][len(TIERS) + 2]
        rec["openings_less_exposed"] = by_group[6][len(TIERS) + 3]
        # the per-occupation records read from the buffer, copied in one go (the buffer takes
        # the next block's periods), each record's periods x occupations side by side
        (new_employed, employed_at_production_o, positions_o, candidates_o, applicants_o,
         hires_o, output_o, wage_bill_o, effort_o, agency_o, ai_use, labour_share, bar, value,
         units, tfp, price) = raw[:, OCCUPATION_ROWS].transpose(1, 0, 2).copy()
        with np.errstate(invalid="ignore", divide="ignore"):
            occ: dict[str, F64] = dict(
                employed=new_employed, positions=positions_o,
                candidates=candidates_o, applicants=applicants_o, hires=hires_o,
                mean_wage=np.where(new_employed > 0, wage_bill_o / np.maximum(new_employed,
                                                                              1e-12), 0.0),
                price=price, output=output_o, ai_use=ai_use,
                labour_share=labour_share,
                bar=np.where(bar <= kern.NO_BAR, np.nan, bar),
                agency=np.where(new_employed > 0, agency_o / np.maximum(new_employed,
                                                                        1e-12), np.nan),
                effort=np.where(candidates_o > 0, effort_o / np.maximum(candidates_o, 1e-12),
                                0.0),
                value_of_efficiency=value,
                employed_at_production=employed_at_production_o, efficiency_units=units,
                tfp=tfp,
            )
        self._record_blocks.append(({k: np.ascontiguousarray(v, dtype=np.float64)
                                     for k, v in rec.items()},
                                    {k: np.ascontiguousarray(v, dtype=np.float64)
                                     for k, v in occ.items()}))

    # ---------------------------------------------------------------------------------- run
    def step(self) -> None:  # pragma: no cover - implemented by subclasses
        raise NotImplementedError

    def run(self, on_period: object = None) -> MarketBase:
        """All periods (burn-in and measured); ``on_period(period)`` after each."""
        while self.period < self.total_periods:
            self.step()
            if callable(on_period):
                on_period(self.period)
        return self

    def series(self) -> dict[str, F64]:
        """Each economy-wide record over the periods run so far."""
        self._derive_records()
        if not self._record_blocks:
            return {}
        names = self._record_blocks[0][0]
        return {k: np.concatenate([block[k] for block, _ in self._record_blocks])
                for k in names}

    def occupation_series(self) -> dict[str, F64]:
        """Each per-occupation record: periods x occupations."""
        self._derive_records()
        if not self._record_blocks:
            return {}
        names = self._record_blocks[0][1]
        return {k: np.concatenate([block[k] for _, block in self._record_blocks])
                for k in names}


def log_wage_bins() -> tuple[int, float, float]:
    """Histogram of log wages used for the Gini: bins and range (relative to the mean wage)."""
    return 4096, math.log(1e-3), math.log(1e3)
