"""The agency figures, defined once: who originates decisions, who reviews, who takes blame and credit.

Pure NumPy (no I/O, no Polars) so that the decision-log audit (:mod:`neijuan.agency.audit`) and the
simulator can share one definition of each figure. Every figure exists in two forms:

* a **count form** (``*_from_counts``) on numerators and denominators already summed per person,
  group or period, which is what the simulator holds (per-worker failures, blamed failures, volumes);
* a **row form** on one entry per decision, summed per group with :func:`group_sums`
  (``np.bincount``), which is what a decision log holds.

Codes used by the row form (small integers, so a million rows are a few arrays):

* ``origin``: :data:`HUMAN` (the person proposed the decision) or :data:`AI` (the system did);
* ``action``: an index into :data:`ACTIONS`;
* blame and credit are *weights* in [0, 1]: the person's part (1 = the person, 0 = the system or
  nobody, 0.5 = shared).

A share with an empty denominator is NaN (undefined), never 0: "no failures" is not "no blame".
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

F64 = NDArray[np.float64]

HUMAN, AI = 0, 1
ORIGINS = ("human", "ai")
ACTIONS = ("accept", "edit", "override", "reject", "escalate")
ACCEPT, EDIT, OVERRIDE, REJECT, ESCALATE = range(len(ACTIONS))
PARTIES = ("none", "human", "ai", "shared")
# The person's part of blame or credit given to each party.
PARTY_WEIGHT = np.array([0.0, 1.0, 0.0, 0.5])
Z95 = 1.959963984540054


# ------------------------------------------------------------------------------ count forms


def share(num: ArrayLike, den: ArrayLike) -> F64:
    """``num / den`` elementwise, NaN where ``den`` is 0 (undefined, not zero)."""
    n = np.asarray(num, dtype=np.float64)
    d = np.asarray(den, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(d > 0, n / np.where(d > 0, d, 1.0), np.nan)


def origination_share_from_counts(originated: ArrayLike, decisions: ArrayLike) -> F64:
    """Origination share: decisions the person (group) originated over all their decisions.

    The authority a person holds: 1 when every decision was their proposal, 0 when they only
    reviewed the system's. The simulator's ``authority_share`` is this with volumes of work.
    """
    return share(originated, decisions)


def blame_share_from_counts(blamed: ArrayLike, failures: ArrayLike) -> F64:
    """Blame share: the person's part of the blame (shared blame counts half) over failures."""
    return share(blamed, failures)


def credit_share_from_counts(credited: ArrayLike, successes: ArrayLike) -> F64:
    """Credit share: the person's part of the credit (shared counts half) over successes."""
    return share(credited, successes)


def blame_authority_gap_from_counts(blamed: ArrayLike, failures: ArrayLike,
                                    originated: ArrayLike, decisions: ArrayLike) -> F64:
    """Blame-authority gap: share of blame minus share of decisions originated.

    Positive when people answer for more failures than the decisions they authored would
    justify: kept in the loop to take the blame for what the system proposed (the essay's §4).
    0 under a rule where blame follows authorship and failure rates are equal.
    """
    return blame_share_from_counts(blamed, failures) - origination_share_from_counts(
        originated, decisions)


def credit_asymmetry_from_counts(blamed: ArrayLike, failures: ArrayLike, credited: ArrayLike,
                                 successes: ArrayLike) -> F64:
    """Credit asymmetry: share of blame minus share of credit.

    Positive when a person takes more of the blame for failures than of the credit for
    successes: credit goes to the system, blame to the person.
    """
    return blame_share_from_counts(blamed, failures) - credit_share_from_counts(
        credited, successes)


def wilson_interval(k: ArrayLike, n: ArrayLike, z: float = Z95) -> tuple[F64, F64]:
    """Wilson score interval of a binomial share ``k / n`` (NaN where ``n`` is 0).

    Stays inside [0, 1] and behaves at 0 and 1 successes, where the normal interval does not.
    """
    k_ = np.asarray(k, dtype=np.float64)
    n_ = np.asarray(n, dtype=np.float64)
    ok = n_ > 0
    nn = np.where(ok, n_, 1.0)
    p = k_ / nn
    den = 1.0 + z * z / nn
    centre = (p + z * z / (2 * nn)) / den
    half = z * np.sqrt(np.maximum(p * (1 - p) / nn + z * z / (4 * nn * nn), 0.0)) / den
    lo = np.where(ok, np.clip(centre - half, 0.0, 1.0), np.nan)
    hi = np.where(ok, np.clip(centre + half, 0.0, 1.0), np.nan)
    return lo, hi


def difference_interval(p1: ArrayLike, n1: ArrayLike, p2: ArrayLike, n2: ArrayLike,
                        z: float = Z95) -> tuple[F64, F64]:
    """Normal interval of ``p1 - p2`` for two shares on ``n1`` and ``n2`` rows.

    Treats the two shares as independent (they are measured on different rows: failures vs all
    decisions, or failures vs successes); clipped to [-1, 1]. NaN where either share is.
    """
    a, b = np.asarray(p1, dtype=np.float64), np.asarray(p2, dtype=np.float64)
    m1, m2 = np.asarray(n1, dtype=np.float64), np.asarray(n2, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        se = np.sqrt(a * (1 - a) / m1 + b * (1 - b) / m2)
    d = a - b
    return np.clip(d - z * se, -1.0, 1.0), np.clip(d + z * se, -1.0, 1.0)


# -------------------------------------------------------------------------------- row forms


def group_sums(values: ArrayLike, group: NDArray[np.integer] | None,
               n_groups: int | None) -> F64:
    """Sum ``values`` per group code (``np.bincount``); one group when ``group`` is None."""
    v = np.asarray(values, dtype=np.float64)
    if group is None:
        return np.array([v.sum()], dtype=np.float64)
    return np.bincount(group, weights=v, minlength=n_groups or 0).astype(np.float64)


def _count(mask: NDArray[np.bool_], group: NDArray[np.integer] | None,
           n_groups: int | None) -> F64:
    if group is None:
        return np.array([float(np.count_nonzero(mask))])
    return np.bincount(group, weights=mask, minlength=n_groups or 0).astype(np.float64)


def origination_share(origin: NDArray[np.integer], group: NDArray[np.integer] | None = None,
                      n_groups: int | None = None) -> F64:
    """Row form of :func:`origination_share_from_counts`: share of rows with origin HUMAN."""
    return origination_share_from_counts(_count(origin == HUMAN, group, n_groups),
                                         _count(np.ones(origin.shape, bool), group, n_groups))


def override_rate(origin: NDArray[np.integer], action: NDArray[np.integer],
                  group: NDArray[np.integer] | None = None, n_groups: int | None = None) -> F64:
    """Override rate: share of the system's proposals the person overrode or rejected.

    Over AI-originated rows only: how often the person used the authority to say no.
    """
    ai = origin == AI
    said_no = ai & ((action == OVERRIDE) | (action == REJECT))
    return share(_count(said_no, group, n_groups), _count(ai, group, n_groups))


def edit_rate(origin: NDArray[np.integer], action: NDArray[np.integer],
              group: NDArray[np.integer] | None = None, n_groups: int | None = None) -> F64:
    """Edit rate: share of the system's proposals the person accepted after editing them."""
    ai = origin == AI
    return share(_count(ai & (action == EDIT), group, n_groups), _count(ai, group, n_groups))


def edit_depth(origin: NDArray[np.integer], action: NDArray[np.integer], edit_fraction: F64,
               group: NDArray[np.integer] | None = None, n_groups: int | None = None) -> F64:
    """Edit depth: mean share of the proposal changed, over edits of AI proposals that record it.

    ``edit_fraction`` is in [0, 1] (NaN = not recorded). A deep edit is the person's judgement;
    a shallow one is closer to a signature.
    """
    ok = (origin == AI) & (action == EDIT) & np.isfinite(edit_fraction)
    vals = np.where(ok, edit_fraction, 0.0)
    return share(group_sums(vals, group, n_groups), _count(ok, group, n_groups))


def rubber_stamp_rate(origin: NDArray[np.integer], action: NDArray[np.integer], seconds: F64,
                      threshold: float, group: NDArray[np.integer] | None = None,
                      n_groups: int | None = None) -> F64:
    """Rubber-stamp rate: share of the system's proposals accepted unchanged in under
    ``threshold`` seconds (too fast to have been checked)."""
    ai = origin == AI
    stamp = ai & (action == ACCEPT) & (seconds < threshold)
    return share(_count(stamp, group, n_groups), _count(ai, group, n_groups))


def automation_bias(origin: NDArray[np.integer], action: NDArray[np.integer],
                    ai_wrong: NDArray[np.bool_], group: NDArray[np.integer] | None = None,
                    n_groups: int | None = None) -> F64:
    """Automation bias: share of the system's *wrong* proposals the person accepted unchanged.

    ``ai_wrong`` is True where the proposal is known to be wrong (rows where it is unknown must
    be False here). A reviewer without bias would accept none of them.
    """
    wrong = (origin == AI) & ai_wrong
    return share(_count(wrong & (action == ACCEPT), group, n_groups),
                 _count(wrong, group, n_groups))


def blame_authority_gap(origin: NDArray[np.integer], failure: NDArray[np.bool_],
                        blame_weight: F64, group: NDArray[np.integer] | None = None,
                        n_groups: int | None = None) -> F64:
    """Row form of :func:`blame_authority_gap_from_counts`.

    Blame share over the rows that failed (``blame_weight`` = the person's part, 0-1), minus the
    origination share over all rows.
    """
    ones = np.ones(origin.shape, bool)
    return blame_authority_gap_from_counts(
        group_sums(np.where(failure, blame_weight, 0.0), group, n_groups),
        _count(failure, group, n_groups),
        _count(origin == HUMAN, group, n_groups), _count(ones, group, n_groups))


def credit_asymmetry(failure: NDArray[np.bool_], blame_weight: F64, success: NDArray[np.bool_],
                     credit_weight: F64, group: NDArray[np.integer] | None = None,
                     n_groups: int | None = None) -> F64:
    """Row form of :func:`credit_asymmetry_from_counts`: blame share over failed rows minus
    credit share over successful rows."""
    return credit_asymmetry_from_counts(
        group_sums(np.where(failure, blame_weight, 0.0), group, n_groups),
        _count(failure, group, n_groups),
        group_sums(np.where(success, credit_weight, 0.0), group, n_groups),
        _count(success, group, n_groups))


# ------------------------------------------------------------------- all figures at once

# Name -> (what it is, its unit); the order in which reports list them.
FIGURES: dict[str, str] = {
    "origination_share": "share of decisions the person originated",
    "override_rate": "share of AI proposals overridden or rejected",
    "edit_rate": "share of AI proposals accepted after an edit",
    "edit_depth": "mean share of an AI proposal changed when edited",
    "rubber_stamp_rate": "share of AI proposals accepted unchanged faster than the threshold",
    "automation_bias": "share of wrong AI proposals accepted unchanged",
    "blame_share": "person's part of the blame for failures",
    "credit_share": "person's part of the credit for successes",
    "blame_authority_gap": "blame share minus origination share",
    "credit_asymmetry": "blame share minus credit share",
}


def row_cells(origin: NDArray[np.integer], action: NDArray[np.integer], seconds: F64,
              threshold: float, ai_wrong: NDArray[np.bool_], failure: NDArray[np.bool_],
              success: NDArray[np.bool_]) -> NDArray[np.int64]:
    """Each row's cell: origin x action x fast (under ``threshold``) x AI wrong x outcome
    (success / failure / unknown), 2 x 5 x 2 x 2 x 3 = :data:`N_CELLS` codes. Every count the
    figures need is a sum over cells, so one ``np.bincount`` per grouping gives them all."""
    outcome = np.where(failure, 1, np.where(success, 0, 2))
    return ((((origin.astype(np.int64) * len(ACTIONS) + action) * 2 + (seconds < threshold)) * 2
             + ai_wrong) * 3 + outcome)


N_CELLS = 2 * len(ACTIONS) * 2 * 2 * 3


def counts_from_cells(cells: NDArray[np.int64], edit_fraction: F64,
                      failure: NDArray[np.bool_], success: NDArray[np.bool_],
                      blame_weight: F64, credit_weight: F64,
                      group: NDArray[np.integer] | None = None,
                      n_groups: int | None = None) -> dict[str, F64]:
    """Every sum :func:`agency_figures` needs, per group, from :func:`row_cells` (see
    :func:`agency_counts`). Weighted sums run on the rows concerned only (failures, edits)."""
    k = 1 if group is None else int(n_groups or (int(group.max()) + 1 if group.size else 0))
    key = cells if group is None else group.astype(np.int64) * N_CELLS + cells
    table = np.bincount(key, minlength=k * N_CELLS).astype(np.float64).reshape(
        k, 2, len(ACTIONS), 2, 2, 3)
    ai_t = table[:, AI]
    # edits of AI proposals: origin AI and action EDIT in the cell code
    is_ai_edit = (cells // (2 * 2 * 3)) == AI * len(ACTIONS) + EDIT
    ok_depth = is_ai_edit & np.isfinite(edit_fraction)

    def sub(mask: NDArray[np.bool_], values: F64) -> F64:
        if group is None:
            return np.array([float(values[mask].sum())])
        return np.bincount(group[mask], weights=values[mask], minlength=k).astype(np.float64)

    depth = edit_fraction
    ones = np.ones(cells.shape, dtype=np.float64)
    return {
        "decisions": table.sum(axis=(1, 2, 3, 4, 5)),
        "originated": table[:, HUMAN].sum(axis=(1, 2, 3, 4)),
        "ai_proposals": ai_t.sum(axis=(1, 2, 3, 4)),
        "said_no": ai_t[:, [OVERRIDE, REJECT]].sum(axis=(1, 2, 3, 4)),
        "edited": ai_t[:, EDIT].sum(axis=(1, 2, 3)),
        "depth_n": sub(ok_depth, ones),
        "depth_sum": sub(ok_depth, depth),
        "depth_sumsq": sub(ok_depth, depth * depth),
        "stamped": ai_t[:, ACCEPT, 1].sum(axis=(1, 2)),
        "ai_wrong": ai_t[:, :, :, 1].sum(axis=(1, 2, 3)),
        "wrong_accepted": ai_t[:, ACCEPT, :, 1].sum(axis=(1, 2)),
        "failures": table[..., 1].sum(axis=(1, 2, 3, 4)),
        "blamed": sub(failure, blame_weight),
        "successes": table[..., 0].sum(axis=(1, 2, 3, 4)),
        "credited": sub(success, credit_weight),
    }


def agency_counts(origin: NDArray[np.integer], action: NDArray[np.integer], seconds: F64,
                  threshold: float, ai_wrong: NDArray[np.bool_], edit_fraction: F64,
                  failure: NDArray[np.bool_], success: NDArray[np.bool_], blame_weight: F64,
                  credit_weight: F64, group: NDArray[np.integer] | None = None,
                  n_groups: int | None = None) -> dict[str, F64]:
    """Every sum the figures need, per group: :func:`row_cells` then :func:`counts_from_cells`.

    The row forms above are these sums followed by a count form; :func:`agency_figures` turns
    the sums into every figure with its interval.
    """
    cells = row_cells(origin, action, seconds, threshold, ai_wrong, failure, success)
    return counts_from_cells(cells, edit_fraction, failure, success, blame_weight, credit_weight,
                             group, n_groups)


def agency_figures(counts: dict[str, F64], z: float = Z95) -> dict[str, dict[str, F64]]:
    """Each figure of :data:`FIGURES` per group: ``value``, ``lo``, ``hi`` (a 95% interval:
    Wilson for shares, normal for the mean edit depth and for differences) and ``n`` (rows it
    rests on)."""
    out: dict[str, dict[str, F64]] = {}

    def rate(name: str, k: str, n: str) -> None:
        lo, hi = wilson_interval(counts[k], counts[n], z)
        out[name] = {"value": share(counts[k], counts[n]), "lo": lo, "hi": hi, "n": counts[n]}

    rate("origination_share", "originated", "decisions")
    rate("override_rate", "said_no", "ai_proposals")
    rate("edit_rate", "edited", "ai_proposals")
    n_d = counts["depth_n"]
    mean = share(counts["depth_sum"], n_d)
    with np.errstate(divide="ignore", invalid="ignore"):
        var = np.where(n_d > 1, (counts["depth_sumsq"] - n_d * mean * mean)
                       / np.maximum(n_d - 1, 1), np.nan)
        se = np.sqrt(np.maximum(var, 0.0) / n_d)
    out["edit_depth"] = {"value": mean, "lo": np.clip(mean - z * se, 0, 1),
                         "hi": np.clip(mean + z * se, 0, 1), "n": n_d}
    rate("rubber_stamp_rate", "stamped", "ai_proposals")
    rate("automation_bias", "wrong_accepted", "ai_wrong")
    rate("blame_share", "blamed", "failures")
    rate("credit_share", "credited", "successes")
    b, o, c = (out["blame_share"]["value"], out["origination_share"]["value"],
               out["credit_share"]["value"])
    lo, hi = difference_interval(b, counts["failures"], o, counts["decisions"], z)
    out["blame_authority_gap"] = {
        "value": blame_authority_gap_from_counts(counts["blamed"], counts["failures"],
                                                 counts["originated"], counts["decisions"]),
        "lo": lo, "hi": hi, "n": counts["failures"]}
    lo, hi = difference_interval(b, counts["failures"], c, counts["successes"], z)
    out["credit_asymmetry"] = {
        "value": credit_asymmetry_from_counts(counts["blamed"], counts["failures"],
                                              counts["credited"], counts["successes"]),
        "lo": lo, "hi": hi, "n": counts["failures"]}
    return out


__all__ = [
    "ACTIONS",
    "AI",
    "FIGURES",
    "HUMAN",
    "N_CELLS",
    "ORIGINS",
    "PARTIES",
    "PARTY_WEIGHT",
    "agency_counts",
    "agency_figures",
    "automation_bias",
    "blame_authority_gap",
    "blame_authority_gap_from_counts",
    "blame_share_from_counts",
    "counts_from_cells",
    "credit_asymmetry",
    "credit_asymmetry_from_counts",
    "credit_share_from_counts",
    "difference_interval",
    "edit_depth",
    "edit_rate",
    "group_sums",
    "origination_share",
    "origination_share_from_counts",
    "override_rate",
    "row_cells",
    "rubber_stamp_rate",
    "share",
    "wilson_interval",
]
