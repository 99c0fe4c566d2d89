"""A realistic synthetic decision log, with its parameters taken from a simulator run.

``neijuan audit synth --out FILE`` lets anyone try the audit at once. The log's parameters come
from a scenario and a short simulator run through the public API only
(:func:`simulator_parameters`, the one place that touches the simulator), so the log follows the
scenario: the AI's failure rate, the liability rule, the review burden, and the share of proposals
the AI originates in each occupation (one minus the occupation's agency at the end of the run).

Generation is vectorised (NumPy): a million rows take well under a second.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import numpy as np
import polars as pl

from neijuan.agency import metrics as m
from neijuan.errors import ConfigError


@dataclass(frozen=True)
class SynthParams:
    """What the synthetic log needs from a scenario (all from the simulator or its config)."""

    scenario: str
    occupations: tuple[str, ...]       # occupation ids
    codes: tuple[str, ...]             # their SOC codes
    weights: tuple[float, ...]         # employment shares (people are drawn in proportion)
    ai_origination: tuple[float, ...]  # share of proposals the AI originates, per occupation
    ai_failure_rate: float             # P(an AI proposal is wrong)
    human_failure_rate: float          # P(a person's own proposal is wrong)
    liability_rule: str                # "confirmer" or "authority"
    liability: float                   # P(confirmer blamed | AI-originated failure)
    review_burden: float               # time to sign off a unit of AI work / doing it
    start_year: int


def simulator_parameters(scenario: str = "ai-baseline", *, workers: int = 4000,
                         periods: int = 12, seed: int = 0) -> SynthParams:
    """Run the scenario briefly (public API: ``neijuan.simulate``) and read what the log needs.

    The only coupling to the simulator: its ``Result.occupation_series()`` columns ``occupation``,
    ``code``, ``employed`` and ``agency`` at the last period, and the scenario's ``agency`` and
    ``run`` sections. Where the series has no agency value, the AI originates nothing there.
    """
    import neijuan

    sc = neijuan.load_scenario(scenario)
    res = neijuan.simulate(sc, workers=workers, periods=periods, seeds=1, processes=1)
    occ = res.occupation_series()
    last = occ.filter(pl.col("period") == occ["period"].max())
    emp = last["employed"].fill_null(0.0).to_numpy()
    if emp.sum() <= 0:
        emp = np.ones_like(emp)
    agency = last["agency"].fill_nan(None).fill_null(1.0).to_numpy()
    ag = sc.agency
    return SynthParams(
        scenario=sc.name, occupations=tuple(last["occupation"].to_list()),
        codes=tuple(last["code"].to_list()), weights=tuple((emp / emp.sum()).tolist()),
        ai_origination=tuple(np.clip(1.0 - agency, 0.0, 1.0).tolist()),
        ai_failure_rate=float(ag.ai_failure_rate), human_failure_rate=float(ag.human_failure_rate),
        liability_rule=str(ag.liability_rule), liability=float(ag.liability),
        review_burden=float(ag.review_burden), start_year=int(sc.run.start_year))


def synth_log(params: SynthParams, rows: int, *, people: int = 200, teams: int = 12,
              seed: int = 0, days: int = 365, base_seconds: float = 240.0) -> pl.DataFrame:
    """A decision log of ``rows`` rows in the audit's schema.

    Each person works in one occupation (drawn by employment) and one team. A proposal is the
    AI's with the occupation's AI-origination share. Reviewing an AI proposal takes
    ``review_burden`` x ``base_seconds`` on average (log-normal), a person's own work
    ``base_seconds``. Reviewers differ in care: a careless one accepts more, faster, and misses
    more wrong proposals (automation bias). Failures follow the scenario's failure rates; blame
    for a failed AI proposal falls on the confirmer with probability ``liability`` under the
    'confirmer' rule and on the system under 'authority'; credit for an AI success goes to the
    system, for a person's own success to the person.
    """
    if rows < 1:
        raise ConfigError(f"rows must be >= 1, not {rows}")
    if people < 1 or teams < 1:
        raise ConfigError("people and teams must be >= 1")
    rng = np.random.default_rng(seed)
    w = np.asarray(params.weights, dtype=np.float64)
    p_occ = rng.choice(w.size, size=people, p=w / w.sum())
    p_team = rng.integers(0, teams, size=people)
    care = rng.beta(4.0, 2.0, size=people)          # 1 = checks everything
    who = rng.integers(0, people, size=rows)
    occ = p_occ[who]
    c = care[who]
    ai = rng.random(rows) < np.asarray(params.ai_origination)[occ]
    wrong = np.where(ai, rng.random(rows) < params.ai_failure_rate,
                     rng.random(rows) < params.human_failure_rate)
    # the reviewer catches a wrong AI proposal with probability = care
    caught = ai & wrong & (rng.random(rows) < c)
    u = rng.random(rows)
    action = np.full(rows, m.ACCEPT, dtype=np.int8)
    action[ai & ~caught & (u < 0.15 * c)] = m.EDIT
    action[caught] = np.where(rng.random(int(caught.sum())) < 0.7, m.OVERRIDE, m.REJECT)
    action[(u > 0.985)] = m.ESCALATE
    action[~ai & (u < 0.3)] = m.EDIT                # people revise their own drafts
    mean_s = np.where(ai, params.review_burden * base_seconds * (0.2 + c), base_seconds)
    seconds = np.round(mean_s * rng.lognormal(-0.32, 0.8, size=rows), 1)
    seconds[ai & (action == m.ACCEPT) & (rng.random(rows) > c)] *= 0.05   # signed unread
    edit_fraction = np.where(action == m.EDIT, np.round(rng.beta(1.5, 5.0, size=rows), 3), np.nan)
    # outcome: an uncaught wrong proposal fails; overrides/rejections/escalations do not
    failed = wrong & ~caught & (action != m.ESCALATE)
    known = rng.random(rows) < 0.95
    outcome = np.where(~known, 2, np.where(failed, 1, 0)).astype(np.int8)
    if params.liability_rule == "confirmer":
        ai_blame = np.where(rng.random(rows) < params.liability, 1, 2)       # human / ai
    else:
        ai_blame = np.full(rows, 2)
    blamed = np.where(outcome == 1, np.where(ai, ai_blame, 1), 0).astype(np.int8)
    credited = np.where(outcome == 0, np.where(ai & (action == m.ACCEPT), 2,
                                               np.where(ai, 3, 1)), 0).astype(np.int8)
    ai_correct = np.where(ai, ~wrong, True)
    start = datetime(params.start_year, 1, 1)
    t = np.sort(rng.integers(0, days * 86_400, size=rows))
    times = pl.Series("time", (np.datetime64(start) + t.astype("timedelta64[s]"))
                      .astype("datetime64[us]"))
    def label(codes: np.ndarray, names: tuple[str, ...]) -> pl.Expr:
        # integer codes -> text, gathered in Rust (no per-row Python strings)
        return pl.lit(pl.Series(names, dtype=pl.String).gather(codes.astype(np.int64)))

    codes = tuple(dict.fromkeys(params.codes))
    occ_code = np.array([codes.index(c) for c in params.codes])[occ]
    frame = pl.DataFrame({"_i": np.arange(1, rows + 1), "_who": who, "_team": p_team[who],
                          "time": times, "seconds": seconds, "ai_correct": ai_correct,
                          "edit_fraction": edit_fraction, "_ai": ai})
    return frame.select(
        pl.format("c{}", "_i").alias("case"), "time",
        pl.format("p{}", "_who").alias("person"), pl.format("t{}", "_team").alias("team"),
        label(occ_code, codes).alias("occupation"),
        label(ai.astype(np.int8), m.ORIGINS).alias("origin"),
        label(action, m.ACTIONS).alias("action"), "seconds",
        label(outcome, ("success", "failure", "unknown")).alias("outcome"),
        pl.when("_ai").then("ai_correct").otherwise(None).alias("ai_correct"),
        pl.col("edit_fraction").fill_nan(None),
        label(credited, m.PARTIES).alias("credited"), label(blamed, m.PARTIES).alias("blamed"))


def write_log(frame: pl.DataFrame, out: str | Path) -> Path:
    """Write a log as CSV, JSONL or Parquet (by suffix), atomically."""
    from neijuan.atomic import atomic_path

    p = Path(out)
    kind = p.suffix.lower()
    if kind not in (".csv", ".jsonl", ".ndjson", ".parquet"):
        raise ConfigError(f"{p}: --out must end in .csv, .jsonl or .parquet")
    with atomic_path(p) as tmp:
        if kind == ".csv":
            frame.write_csv(tmp)
        elif kind == ".parquet":
            frame.write_parquet(tmp, compression="zstd")
        else:
            frame.write_ndjson(tmp)
    return p
