"""Probe of the next step for the engine's throughput: rows grouped by occupation.

Run: ``python benchmarks/grouped_rows_probe.py [--workers N]``.

Captures one period of the ``ai-baseline`` economy (the settle pass's arguments, chunk by chunk),
groups each chunk's rows by occupation (live rows first), and times on those same rows the
engine's work half (``kernels._settle_work``: steps 7-9 in blocks, per-occupation values read
row by row) against a probe kernel that walks each occupation's segment with the occupation's
values as loop constants, its sums as reductions, branch-free, writing block-local buffers and
copying them back. Why the buffers: Numba gives array arguments no ``noalias``, so a loop that
writes several arrays needs more runtime pointer checks than LLVM allows and stays scalar; the
buffers come from Numba's allocator, which LLVM knows alias nothing. The probe leaves out the
failure counters, the wage histogram, the skill's exact exp for large steps and 8 of the 12
per-degree sums, so it bounds what the grouped layout could gain; it is not the engine.

Then the same for the contest half (``kernels._settle_contest``) and the lottery
(``kernels.select_lottery_pass``) against segment versions of them, and what keeping the rows
grouped would cost a quarter: a counting sort of every row array, from the engine's row order
and from rows grouped a quarter before, and moving only the rows that changed occupation into
slack at the end of each occupation's segment.

Not a test: a benchmark prints, it does not assert.
"""

from __future__ import annotations

import argparse
import inspect
import os
import time
from typing import Any

os.environ.setdefault("NUMBA_NUM_THREADS", "1")

import numpy as np
from numba import njit

import neijuan.sim.kernels as kern
from neijuan.config import load_scenario
from neijuan.sim.constants import EFFORT_FLOOR, NO_BAR, NO_EFFORT
from neijuan.sim.economy import builtin_economy
from neijuan.sim.effort import A_MAX, A_MIN, N_A
from neijuan.sim.kernels import FAST
from neijuan.sim.model import LabourMarket
from neijuan.sim.rng import uniform
from neijuan.sim.vmath import expf as vexpf
from neijuan.sim.vmath import logf as vlogf

ROWS = ("status", "occ", "origin", "degree", "tenure", "won", "signal", "effort", "log_skill",
        "skill", "ai_skill", "wage", "agency", "failures", "blamed", "mark")


@njit(fastmath=FAST, error_model="numpy")
def work_segments(status: Any, degree: Any, effort: Any, log_skill: Any, skill: Any,
                  ai_skill: Any, wage: Any, agency: Any, mark: Any, seg_lo: Any, seg_hi: Any,
                  seg_occ: Any, value_of_efficiency: Any, aug_gain: Any, bargaining: Any,
                  outside: Any, learn_share: float, skill_rate: float, skill_depreciation: float,
                  ai_rate: float, ai_focus: Any, ai_depreciation: float, agency0: Any,
                  agency1: Any, human0: Any, human1: Any, machine0: Any, machine1: Any,
                  human_failure: float, ai_failure: Any, blame_ai: Any, keep_time: Any,
                  mark_keep: float, replaceable: Any, ai_unit_cost: Any,
                  needed_threshold: float, ai_threshold: float, key: Any, occ_sums: Any,
                  deg: Any) -> None:  # pragma: no cover - compiled
    """Steps 7-9 over each occupation's segment of rows: branch-free, block-local outputs."""
    block = 256
    new_ls = np.empty(block, np.float32)
    new_sk = np.empty(block, np.float32)
    new_z = np.empty(block, np.float32)
    new_mark = np.empty(block, np.float32)
    new_wage = np.empty(block, np.float32)
    new_agency = np.empty(block, np.float32)
    for s in range(seg_lo.size):
        j = seg_occ[s]
        focus = ai_focus[j]
        beta = bargaining[j]
        uplift = aug_gain[j]
        kt = keep_time[j]
        a0, a1, rep, cost = agency0[j], agency1[j], replaceable[j], ai_unit_cost[j]
        h0, h1, m0, m1 = human0[j], human1[j], machine0[j], machine1[j]
        fail_ai, blame = ai_failure[j], blame_ai[j]
        pay_slope = beta * value_of_efficiency[j]
        pay_base = (1.0 - beta) * outside[j]
        sums = np.zeros(15)
        wage_sum = with_ai = log_with = without = log_without = agency_sum = retained = 0.0
        skill_sum = skill_z = skill_z2 = employed = ls_with = ls_without = ls2 = ls_lw = 0.0
        n0 = sum0 = n1 = sum1 = vol_h = vol_m = fail_h = fail_m = fail_mb = 0.0
        for start in range(seg_lo[s], seg_hi[s], block):
            m = min(block, seg_hi[s] - start)
            # (slices: LLVM then knows each array's bounds in the loop)
            status_b = status[start:start + m]
            effort_b = effort[start:start + m]
            z_b = ai_skill[start:start + m]
            sk_b = skill[start:start + m]
            ls_b = log_skill[start:start + m]
            mark_b = mark[start:start + m]
            degree_b = degree[start:start + m]
            for q in range(m):
                fe = 1.0 if status_b[q] == 1 else 0.0
                z = z_b[q]
                gain = float(vlogf(np.float32(1.0 + learn_share * effort_b[q])))
                learned = skill_rate * (1.0 - focus) * gain
                delta = learned - skill_depreciation
                ls = ls_b[q] + delta
                sk = sk_b[q] * (1.0 + delta * (1.0 + 0.5 * delta))
                z = min(max(z + ai_rate * focus * gain * (1.0 - z) - ai_depreciation * z, 0.0),
                        1.0)
                new_ls[q] = ls
                new_sk[q] = sk
                new_z[q] = z
                mk = mark_b[q] * mark_keep
                mk = mk if mk > 1e-3 else 0.0
                d1 = float(degree_b[q])
                n1 += d1
                sum1 += d1 * ls
                n0 += 1.0 - d1
                sum0 += (1.0 - d1) * ls
                h = sk * (1.0 + uplift * z)
                pay = max(pay_slope * h + pay_base, 1e-6)
                lw = float(vlogf(np.float32(pay)))
                new_wage[q] = fe * pay
                wa = fe if z >= ai_threshold else 0.0
                wn = fe - wa
                wage_sum += fe * pay
                with_ai += wa
                log_with += wa * lw
                without += wn
                log_without += wn * lw
                ls_with += wa * ls
                ls_without += wn * ls
                ls2 += fe * ls * ls
                ls_lw += fe * ls * lw
                skill_sum += fe * sk
                skill_z += fe * sk * z
                skill_z2 += fe * sk * z * z
                employed += fe
                ag = min(max(a0 + a1 * z, 0.0), 1.0) * kt
                new_agency[q] = fe * ag
                agency_sum += fe * ag
                needed = ag - (rep if pay > cost * h else 0.0)
                retained += fe if needed < needed_threshold else 0.0
                human = (h0 + h1 * z) * kt
                machine = m0 + m1 * z
                vol_h += fe * human
                vol_m += fe * machine
                u = uniform(key, start + q)
                p_h = human_failure * human
                p_m = fail_ai * machine
                own = (fe > 0.0) & (u < p_h)
                by_ai = (fe > 0.0) & (u >= p_h) & (u < p_h + p_m)
                blamed = by_ai & ((u - p_h) < p_m * blame)
                fail_h += 1.0 if own else 0.0
                fail_m += 1.0 if by_ai else 0.0
                fail_mb += 1.0 if blamed else 0.0
                new_mark[q] = mk + (1.0 if own | blamed else 0.0)
            log_skill[start:start + m] = new_ls[:m]
            skill[start:start + m] = new_sk[:m]
            ai_skill[start:start + m] = new_z[:m]
            mark[start:start + m] = new_mark[:m]
            wage[start:start + m] = new_wage[:m]
            agency[start:start + m] = new_agency[:m]
        sums[:] = (wage_sum, with_ai, log_with, without, log_without, agency_sum, retained,
                   skill_sum, skill_z, skill_z2, employed, ls_with, ls_without, ls2, ls_lw)
        occ_sums[j] += sums
        deg += np.array((n0, sum0, n1, sum1, vol_h, vol_m, fail_h, fail_m, fail_mb))


@njit(error_model="numpy", nogil=True)
def group_order(status: Any, occ: Any, n_occ: int) -> Any:  # pragma: no cover - compiled
    """The permutation that groups a chunk's rows by occupation (a stable counting sort; rows
    out of the labour force last): ``order[k]`` is the row that goes to place k."""
    starts = np.zeros(n_occ + 2, np.int64)
    for i in range(status.size):
        starts[(occ[i] if status[i] != 0 else n_occ) + 1] += 1
    for o in range(n_occ + 1):
        starts[o + 1] += starts[o]
    order = np.empty(status.size, np.int64)
    for i in range(status.size):
        j = occ[i] if status[i] != 0 else n_occ
        order[starts[j]] = i
        starts[j] += 1
    return order


@njit(error_model="numpy", nogil=True)
def permute(rows: Any, order: Any, scratch: Any) -> None:  # pragma: no cover - compiled
    """``rows[:] = rows[order]`` through a scratch array of the same type."""
    for k in range(order.size):
        scratch[k] = rows[order[k]]
    rows[:] = scratch


@njit(error_model="numpy", nogil=True)
def mover_moves(occ: Any, new_occ: Any, start: Any, size: Any, cap: Any
                ) -> tuple[Any, Any, int]:  # pragma: no cover - compiled
    """The row copies (``src[k]`` to ``dst[k]``, in order) that keep a grouped chunk grouped
    when the rows whose ``new_occ`` differs from ``occ`` change occupation: each mover goes to
    the slack at the end of its new occupation's segment and the last row of its old segment
    takes its place. Movers in descending row order, so that a segment's last row is never a
    mover still to move. Returns (src, dst, movers that found no slack)."""
    movers = np.flatnonzero(new_occ != occ)[::-1]
    src = np.empty(2 * movers.size, np.int64)
    dst = np.empty(2 * movers.size, np.int64)
    k = 0
    full = 0
    for p in movers:
        a = occ[p]
        b = new_occ[p]
        if b < 0 or size[b] >= cap[b]:
            full += 1
            continue
        src[k] = p
        dst[k] = start[b] + size[b]
        size[b] += 1
        k += 1
        last = start[a] + size[a] - 1
        size[a] -= 1
        if last != p:
            src[k] = last
            dst[k] = p
            k += 1
    return src[:k], dst[:k], full


@njit(error_model="numpy", nogil=True)
def apply_moves(rows: Any, src: Any, dst: Any) -> None:  # pragma: no cover - compiled
    for k in range(src.size):
        rows[dst[k]] = rows[src[k]]


def slack_layout(rows: dict[str, Any], n_occ: int, slack: float) -> tuple[dict[str, Any], Any,
                                                                             Any, Any]:
    """Grouped rows (live first, by occupation) laid out with ``slack`` free rows at the end
    of each occupation's segment: the arrays, segment starts, sizes and capacities."""
    live = rows["status"] != 0
    size = np.bincount(rows["occ"][live].astype(np.int64), minlength=n_occ)
    cap = np.ceil(size * (1.0 + slack)).astype(np.int64) + 16
    start = np.concatenate([[0], np.cumsum(cap)[:-1]])
    place = np.empty(int(live.sum()), np.int64)
    occ = rows["occ"][live].astype(np.int64)
    rank = np.arange(occ.size) - np.concatenate([[0], np.cumsum(size)[:-1]])[occ]
    place[:] = start[occ] + rank
    out = {}
    for name, a in rows.items():
        b = np.zeros(int(cap.sum()), a.dtype)
        b[place] = a[live]
        out[name] = b
    return out, start, size, cap


@njit(fastmath=FAST, error_model="numpy")
def lottery_segments(status: Any, signal: Any, effort: Any, won: Any, seg_lo: Any, seg_hi: Any,
                     seg_occ: Any, bar: Any, noise: Any, r: float, key: Any, n_won: Any
                     ) -> None:  # pragma: no cover - compiled
    """The Tullock lottery over each occupation's segment: its bar and noise loop constants,
    the winners' count a reduction, the outcomes written to a block buffer and copied back."""
    n_won[:] = 0.0
    block = 256
    out = np.empty(block, np.int8)
    for s in range(seg_lo.size):
        j = seg_occ[s]
        b = bar[j]
        inv = 1.0 / noise[j]
        no_bar = b <= NO_BAR
        count = 0.0
        for start in range(seg_lo[s], seg_hi[s], block):
            m = min(block, seg_hi[s] - start)
            sig_b = signal[start:start + m]
            eff_b = effort[start:start + m]
            for q in range(m):
                log_e = float(vlogf(np.float32(max(eff_b[q], EFFORT_FLOOR))))
                x = (r * log_e + sig_b[q]) * inv
                z = np.float32(min(max(x - b, -40.0), 40.0))
                p = 1.0 / (1.0 + float(vexpf(-z)))
                win = no_bar | (uniform(key, start + q) < p)
                out[q] = 2 if win else 1
                count += 1.0 if win else 0.0
            won[start:start + m] = out[:m]
        n_won[j] = count


@njit(fastmath=FAST, error_model="numpy")
def contest_segments(status: Any, origin: Any, tenure: Any, won: Any, signal: Any, effort: Any,
                     skill: Any, ai_skill: Any, wage: Any, seg_lo: Any, seg_hi: Any,
                     seg_occ: Any, bar: Any, noise: Any, br_rows: Any,
                     value_of_efficiency: Any, aug_gain: Any, bargaining: Any, benefit: float,
                     outside: Any, horizon: Any, r: float, effort_cost: float, adjustment: float,
                     max_effort: float, incumbent_advantage: float, hires: Any,
                     separations: Any, prize_won: Any) -> None:  # pragma: no cover - compiled
    """Steps 5-6 over each occupation's segment: the outcome as selects, the prize and the best
    response with the occupation's values and table row as loop constants, the counts and the
    prize won as reductions, the new state in block buffers copied back."""
    hires[:] = 0.0
    separations[:] = 0.0
    prize_won[:] = 0.0
    block = 256
    a_step = (A_MAX - A_MIN) / (N_A - 1)
    new_status = np.empty(block, np.int8)
    new_tenure = np.empty(block, np.int16)
    new_origin = np.empty(block, np.int16)
    new_wage = np.empty(block, np.float32)
    new_effort = np.empty(block, np.float32)
    cells = np.empty(block, np.int64)
    fracs = np.empty(block, np.float64)
    shifts = np.empty(block, np.float64)
    lives = np.empty(block, np.bool_)
    args = np.empty(block, np.float32)
    for s in range(seg_lo.size):
        j = seg_occ[s]
        uplift = aug_gain[j]
        beta = bargaining[j]
        slope = beta * value_of_efficiency[j]
        base = (1.0 - beta) * outside[j]
        hz = horizon[j]
        b = bar[j]
        sig = noise[j]
        scale = sig / r
        table = br_rows[j]
        respond = b > NO_BAR
        n_hired = n_lost = won_prize = 0.0
        for start in range(seg_lo[s], seg_hi[s], block):
            m = min(block, seg_hi[s] - start)
            st_b = status[start:start + m]
            won_b = won[start:start + m]
            sig_b = signal[start:start + m]
            sk_b = skill[start:start + m]
            z_b = ai_skill[start:start + m]
            ten_b = tenure[start:start + m]
            org_b = origin[start:start + m]
            wage_b = wage[start:start + m]
            eff_b = effort[start:start + m]
            for q in range(m):
                w = won_b[q] == 2
                emp = st_b[q] == 1
                hired = w & ~emp
                lost = emp & ~w
                k = sig_b[q] + (incumbent_advantage if hired else 0.0) - (
                    incumbent_advantage if lost else 0.0)
                new_tenure[q] = ten_b[q] + 1 if w & emp else 0
                new_status[q] = 1 if w else 2
                new_origin[q] = j if w else org_b[q]
                new_wage[q] = wage_b[q] if w else 0.0
                n_hired += 1.0 if hired else 0.0
                n_lost += 1.0 if lost else 0.0
                pay = slope * (sk_b[q] * (1.0 + uplift * z_b[q])) + base
                prize = hz * max(pay - benefit, 0.0)
                won_prize += prize if w else 0.0
                live = respond & (prize > 0.0)
                args[q] = np.float32(prize * r / (sig * effort_cost)) if live else np.float32(1.0)
                shifts[q] = (sig * b - k) / r if live else 0.0
                lives[q] = live
            for q in range(m):  # (the logs and table positions: vectorised)
                a = float(vlogf(args[q])) - shifts[q]
                pos = max((a - A_MIN) * (1.0 / a_step), 0.0)
                cell = min(int(pos), N_A - 2)
                cells[q] = cell
                fracs[q] = pos - cell
            for q in range(m):  # (the table row, a loop constant: 16 kB, in L1)
                lo = table[cells[q]]
                hi = table[cells[q] + 1]
                f = fracs[q]
                both = (lo > NO_EFFORT / 2) & (hi > NO_EFFORT / 2)
                zs = lo + f * (hi - lo) if both else (lo if f < 0.5 else hi)
                x = max(scale * zs + shifts[q], -30.0)
                e_br = min(float(vexpf(np.float32(x))), max_effort)
                target = e_br if lives[q] & (zs > NO_EFFORT / 2) else 0.0
                e = eff_b[q]
                new_effort[q] = e + adjustment * (target - e)
            status[start:start + m] = new_status[:m]
            tenure[start:start + m] = new_tenure[:m]
            origin[start:start + m] = new_origin[:m]
            wage[start:start + m] = new_wage[:m]
            effort[start:start + m] = new_effort[:m]
        hires[j] = n_hired
        separations[j] = n_lost
        prize_won[j] = won_prize


def contest_cost(calls: list[dict[str, Any]]) -> None:
    """The engine's contest half against :func:`contest_segments` on the same grouped rows."""
    names = list(inspect.signature(kern._settle_contest.py_func).parameters)
    params = list(inspect.signature(contest_segments.py_func).parameters)

    def engine(batch: list[dict[str, Any]]) -> None:
        for c in batch:
            kern._settle_contest(*[c[p] for p in names])

    def probe(batch: list[dict[str, Any]]) -> None:
        for c in batch:
            lo, hi, oc = segments(c)
            extra = {"seg_lo": lo, "seg_hi": hi, "seg_occ": oc}
            contest_segments(*[extra[p] if p in extra else c[p] for p in params])

    _alternate("the contest (steps 5-6)", calls, engine, probe)


def _alternate(title: str, calls: list[dict[str, Any]], engine: Any, probe: Any) -> None:
    def fresh() -> list[dict[str, Any]]:
        return [{k: (v.copy() if isinstance(v, np.ndarray) else v) for k, v in c.items()}
                for c in calls]

    for fn in (engine, probe):
        fn(fresh())  # (compiled)
    print(f"{title}, the same grouped rows, CPU ms (min / median of 7, alternating)")
    for _ in range(2):
        for label, fn in (("engine, blocks", engine), ("probe, segments", probe)):
            times = []
            for _ in range(7):
                batch = fresh()
                begin = time.process_time()
                fn(batch)
                times.append(time.process_time() - begin)
            times.sort()
            print(f"  {label:16s} {times[0] * 1e3:7.1f} / {times[3] * 1e3:7.1f}")


def lottery_cost(calls: list[dict[str, Any]]) -> None:
    """The engine's lottery pass against :func:`lottery_segments` on the same grouped rows."""
    names = list(inspect.signature(kern.select_lottery_pass.py_func).parameters)
    n_occ = int(calls[0]["bar"].size)
    # (the log efforts computed by the pass, as a run of several chunks does)
    with_counts = [{**c, "n_won": np.zeros(n_occ), "key": np.uint64(12345),
                    "log_effort": np.zeros(1, np.float32), "stored": False} for c in calls]

    def engine(batch: list[dict[str, Any]]) -> None:
        for c in batch:
            kern.select_lottery_pass(*[c[p] for p in names])

    def probe(batch: list[dict[str, Any]]) -> None:
        for c in batch:
            lo, hi, oc = segments(c)
            lottery_segments(c["status"], c["signal"], c["effort"], c["won"], lo, hi, oc,
                             c["bar"], c["noise"], c["r"], c["key"], c["n_won"])

    _alternate("the lottery", with_counts, engine, probe)


def regroup_cost(calls: list[dict[str, Any]], n_occ: int, seed: int = 0) -> None:
    """What keeping each chunk's rows grouped would cost a quarter: the counting sort and the
    move of every row array, (a) from the engine's row order and (b) from rows grouped a
    quarter before, of which only the unemployed have drawn a new occupation (the steady state
    of a grouped layout: most rows stay where they are); (c) in that steady state, moving only
    the movers, into slack kept at the end of each occupation's segment."""
    rng = np.random.default_rng(seed)
    scratch = {k: np.empty_like(v) for k, v in calls[0].items() if k in ROWS}

    def run(batch: list[dict[str, Any]]) -> float:
        start = time.process_time()
        for c in batch:
            order = group_order(c["status"], c["occ"], n_occ)
            for name in ROWS:
                permute(c[name], order, scratch[name][:order.size])
        return time.process_time() - start

    natural = [{k: v for k, v in c.items() if k in ROWS} for c in calls]
    settled = []
    for c in calls:
        g = grouped(c)
        rows = {k: v for k, v in g.items() if k in ROWS}
        moving = rows["status"] == 2  # the unemployed search anew
        rows["occ"][moving] = rng.integers(0, n_occ, int(moving.sum()))
        settled.append(rows)
    n_rows = sum(c["status"].size for c in calls)
    print(f"regrouping every row array ({len(ROWS)}) of {len(calls)} chunks, {n_rows:,} rows, "
          "CPU ms (min / median of 7)")
    for label, source in (("from row order", natural), ("a quarter on", settled)):
        times = sorted(run([{k: v.copy() for k, v in c.items()} for c in source])
                       for _ in range(7))
        print(f"  {label:16s} {times[0] * 1e3:7.1f} / {times[3] * 1e3:7.1f}")
    # (c) only the movers moved, into slack at the end of each occupation's segment
    laid = []
    for c in calls:
        rows, start, size, cap = slack_layout(
            {k: v for k, v in grouped(c).items() if k in ROWS}, n_occ, 0.1)
        new_occ = rows["occ"].astype(np.int64)
        moving = rows["status"] == 2
        # (the search sends applicants where the openings are: in proportion to employment)
        if moving.any():
            new_occ[moving] = rng.choice(n_occ, int(moving.sum()), p=size / size.sum())
        laid.append((rows, rows["occ"].astype(np.int64), new_occ, start, size, cap))
    times, moved, full = [], 0, 0
    for _ in range(7):
        batch = [({k: v.copy() for k, v in r.items()}, o, n, st, sz.copy(), cp)
                 for r, o, n, st, sz, cp in laid]
        begin = time.process_time()
        moved = full = 0
        for rows, occ, new_occ, start, size, cap in batch:
            src, dst, left = mover_moves(occ, new_occ, start, size, cap)
            for name in ROWS:
                apply_moves(rows[name], src, dst)
            moved += src.size
            full += left
        times.append(time.process_time() - begin)
    times.sort()
    print(f"  {'movers only':16s} {times[0] * 1e3:7.1f} / {times[3] * 1e3:7.1f}   ({moved:,} row "
          f"copies; {full} movers without slack; 10% slack a segment)")


def capture(workers: int) -> list[dict[str, Any]]:
    """The settle pass's arguments, chunk by chunk, for one period in the AI era."""
    scenario = load_scenario("ai-baseline", {"run.workers": workers, "run.burn_in": 24,
                                             "run.threads": 1})
    model = LabourMarket(scenario, builtin_economy(), 1)
    for _ in range(30):
        model.step()
    names = list(inspect.signature(kern.settle_pass.py_func).parameters)
    calls: list[dict[str, Any]] = []
    original = kern.settle_pass

    def wrapped(*args: Any) -> None:
        calls.append(dict(zip(names, [a.copy() if isinstance(a, np.ndarray) else a
                                      for a in args], strict=True)))
        original(*args)

    kern.settle_pass = wrapped
    try:
        model.step()
    finally:
        kern.settle_pass = original
    return calls


def grouped(call: dict[str, Any]) -> dict[str, Any]:
    """The chunk's rows grouped by occupation (live rows first, employed before unemployed)."""
    key = np.where(call["status"] == 0, 1 << 40,
                   call["occ"].astype(np.int64) * 4 + call["status"])
    order = np.argsort(key, kind="stable")
    return {k: (v[order].copy() if k in ROWS else v) for k, v in call.items()}


def segments(call: dict[str, Any]) -> tuple[Any, Any, Any]:
    live = int((call["status"] != 0).sum())
    occ = call["occ"][:live].astype(np.int64)
    if live == 0:  # (a chunk of free rows only)
        return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.int64)
    edges = np.flatnonzero(np.diff(occ)) + 1
    starts = np.concatenate([[0], edges]).astype(np.int64)
    ends = np.concatenate([edges, [live]]).astype(np.int64)
    return starts, ends, occ[starts]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workers", type=int, default=1_000_000)
    args = parser.parse_args()
    captured = capture(args.workers)
    calls = [grouped(c) for c in captured]
    work_names = list(inspect.signature(kern._settle_work.py_func).parameters)
    params = list(inspect.signature(work_segments.py_func).parameters)

    def engine(batch: list[dict[str, Any]]) -> None:
        for c in batch:
            kern._settle_work(*[c[p] for p in work_names])

    def probe(batch: list[dict[str, Any]]) -> None:
        for c in batch:
            lo, hi, oc = segments(c)
            extra = {"seg_lo": lo, "seg_hi": hi, "seg_occ": oc, "deg": np.zeros(9)}
            work_segments(*[extra[p] if p in extra else c[p] for p in params])

    def fresh() -> list[dict[str, Any]]:
        return [{k: (v.copy() if isinstance(v, np.ndarray) else v) for k, v in c.items()}
                for c in calls]

    for fn in (engine, probe):
        fn(fresh())  # (compiled)
    print(f"work half (steps 7-9), {args.workers:,} workers, rows grouped by occupation, "
          "CPU ms (min / median of 7, alternating)")
    for _ in range(2):
        for label, fn in (("engine, blocks", engine), ("probe, segments", probe)):
            times = []
            for _ in range(7):
                batch = fresh()
                start = time.process_time()
                fn(batch)
                times.append(time.process_time() - start)
            times.sort()
            print(f"  {label:16s} {times[0] * 1e3:7.1f} / {times[3] * 1e3:7.1f}")

    contest_cost(calls)
    lottery_cost(calls)
    regroup_cost(captured, int(captured[0]["bar"].size))

if __name__ == "__main__":
    main()
