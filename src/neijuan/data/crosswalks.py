"""Crosswalks between the code systems of the sources, with weights, and the coverage of each join.

The atlas's occupation unit is the **OEWS occupation**: a SOC 2018 six-digit code as BLS publishes
employment for it (``soc``). For 820 occupations that is the SOC 2018 detailed code itself; for 12
(e.g. ``13-1020`` Buyers and purchasing agents) BLS publishes one aggregate of 2-5 detailed codes,
and the unit is that aggregate, so no employment is ever split by guesswork and each worker is
counted once. Occupations BLS does not estimate (military ``55-``, ``45-3031``) keep their SOC code
with no employment.

Paths used (all pure functions on loaded frames):

- O*NET-SOC 2019 (8-digit) -> unit: the BLS O*NET-to-NEM crosswalk; codes it lacks fall back to
  their six-digit prefix.
- O*NET-SOC 2010 -> 2019: the O*NET Center crosswalk (many-to-many; a value is copied to each
  2019 code and averaged where several 2010 codes meet).
- SOC 2010 -> SOC 2018 -> unit: the BLS crosswalk. Employment is *allocated* across split codes
  in proportion to the targets' later employment; values (scores, wages) are *averaged* with
  weights equal to the source year's employment *allocated to that unit* (the same split), so a
  source code counts on a unit as much as the workers it sends there.
- O*NET <-> ESCO / ISCO-08: Nesta's ESCO -> O*NET-SOC 2010 crosswalk, weighted by its confidence.

Every join returns a :class:`Coverage` row: how many of the left side matched, and which share of
employment (and of tasks, for task joins) that is. Coverage below the threshold is flagged.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import polars as pl

# A join that covers less than this share of employment (or tasks) is flagged as a warning.
DEFAULT_COVERAGE_WARN = 0.9


@dataclass(frozen=True)
class Coverage:
    """How much of one side a join matched.

    ``items`` counts rows on the side being mapped (occupations or tasks), ``employment_share``
    is the share of OEWS 2024 employment of the atlas occupations that received a value (null
    when the join is not about occupations), ``task_share`` the share of atlas tasks that did.
    """

    join: str
    items: int
    matched: int
    employment_share: float | None
    task_share: float | None
    threshold: float = DEFAULT_COVERAGE_WARN

    @property
    def warning(self) -> bool:
        """True when the employment (or task) share is below the threshold."""
        shares = [s for s in (self.employment_share, self.task_share) if s is not None]
        if not shares:
            return self.matched < self.items * self.threshold
        return min(shares) < self.threshold

    def as_row(self) -> dict[str, object]:
        """A plain dict (for a frame), with the warning flag."""
        row = asdict(self)
        row["warning"] = self.warning
        return row


def coverage_frame(rows: list[Coverage]) -> pl.DataFrame:
    """The coverage rows as a frame with a stable schema."""
    schema = {"join": pl.String, "items": pl.Int64, "matched": pl.Int64,
              "employment_share": pl.Float64, "task_share": pl.Float64,
              "threshold": pl.Float64, "warning": pl.Boolean}
    return pl.DataFrame([r.as_row() for r in rows], schema=schema)


def onet_to_unit(onet_codes: pl.Series, nem: pl.DataFrame) -> pl.DataFrame:
    """Map O*NET-SOC 2019 codes to the atlas unit: ``onet_soc`` -> ``soc``.

    ``nem`` is :func:`~neijuan.data.loaders.xwalk_onet2019_nem`. Codes missing from it use the
    unit of another O*NET code with the same six-digit prefix, else the prefix itself (military).
    Returns ``onet_soc``, ``soc``, ``via`` ('nem' / 'prefix').
    """
    codes = pl.DataFrame({"onet_soc": onet_codes.unique()})
    prefix_unit = (nem.with_columns(pl.col("onet_soc").str.slice(0, 7).alias("prefix"))
                   .group_by("prefix").agg(pl.col("soc").first().alias("prefix_soc")))
    return (codes.join(nem.select("onet_soc", "soc"), on="onet_soc", how="left")
            .with_columns(pl.col("onet_soc").str.slice(0, 7).alias("prefix"))
            .join(prefix_unit, on="prefix", how="left")
            .select("onet_soc",
                    pl.coalesce("soc", "prefix_soc", "prefix").alias("soc"),
                    pl.when(pl.col("soc").is_not_null()).then(pl.lit("nem"))
                    .otherwise(pl.lit("prefix")).alias("via"))
            .sort("onet_soc"))


def soc2018_to_unit(nem: pl.DataFrame) -> pl.DataFrame:
    """SOC 2018 code -> atlas unit: ``soc2018``, ``soc`` (from the O*NET codes' prefixes; the
    OEWS aggregate codes map to themselves)."""
    prefixes = nem.select(pl.col("onet_soc").str.slice(0, 7).alias("soc2018"), "soc")
    # Sources already on the OEWS units (e.g. Microsoft's 13-1020) map to themselves.
    units = nem.select(pl.col("soc").alias("soc2018"), "soc")
    return (pl.concat([prefixes, units]).unique(subset="soc2018", keep="first").sort("soc2018"))


def soc2010_to_unit(xwalk: pl.DataFrame, nem: pl.DataFrame) -> pl.DataFrame:
    """SOC 2010 -> atlas unit pairs: ``soc2010``, ``soc`` (unique pairs; many-to-many)."""
    to_unit = soc2018_to_unit(nem)
    return (xwalk.select("soc2010", "soc2018")
            .join(to_unit, on="soc2018", how="left")
            .with_columns(pl.coalesce("soc", "soc2018").alias("soc"))
            .select("soc2010", "soc").unique().sort("soc2010", "soc"))


def average_to_unit(values: pl.DataFrame, key: str, value_cols: list[str], pairs: pl.DataFrame,
                    weight: str | None = None) -> pl.DataFrame:
    """Carry values keyed by ``key`` across ``pairs`` (``key`` -> ``soc``), averaging per ``soc``.

    A source code that maps to several units gives its value to each (a split inherits the
    parent's value); units reached from several source codes take their mean, weighted by
    ``weight`` where given and positive, else equally. ``weight`` may be a column of ``values``
    (one weight per source code) or of ``pairs`` (one per source code and unit): carrying SOC
    2010 scores, the right weight is the employment the source code *sends to that unit*
    (:func:`allocated_weights`), not its whole employment, which would let a large code that
    gives a small target a sliver of its workers outweigh the target's main source.
    Returns ``soc``, the value columns, and ``n_sources`` (how many source codes met there).
    """
    df = values.join(pairs, on=key, how="inner")
    w = (pl.col(weight).fill_null(0.0) if weight else pl.lit(1.0))
    # A weight may live on the pairs (per source code and unit: see allocated_weights).
    df = df.with_columns(w.alias("_w"))
    # Units where every weight is zero fall back to equal weights.
    df = df.with_columns(
        pl.when(pl.col("_w").sum().over("soc") > 0).then(pl.col("_w")).otherwise(1.0).alias("_w"))
    aggs = [((pl.col(c) * pl.col("_w")).sum() / pl.col("_w").filter(pl.col(c).is_not_null()).sum())
            .alias(c) for c in value_cols]
    return df.group_by("soc").agg(*aggs, pl.col(key).n_unique().alias("n_sources")).sort("soc")


def allocation_shares(key: str, pairs: pl.DataFrame, target_weight: pl.DataFrame) -> pl.DataFrame:
    """The share of each source code that goes to each of its units: ``key``, ``soc``, ``share``.

    Proportional to ``target_weight`` (``soc``, ``weight``: e.g. the units' employment in a later
    year), equal where those are all missing or zero; the shares of one source code sum to 1.
    This is the split :func:`allocate_to_unit` applies to amounts, and the weight
    :func:`average_to_unit` needs so that a source code weighs on a unit with the employment it
    sends there, not with its whole employment.
    """
    df = (pairs.select(key, "soc").unique()
          .join(target_weight.select("soc", pl.col("weight").alias("_tw")), on="soc", how="left")
          .with_columns(pl.col("_tw").fill_null(0.0).clip(lower_bound=0.0))
          .with_columns(pl.len().over(key).alias("_n"), pl.col("_tw").sum().over(key).alias("_tws")))
    share = (pl.when(pl.col("_tws") > 0).then(pl.col("_tw") / pl.col("_tws"))
             .otherwise(1.0 / pl.col("_n")))
    return df.select(key, "soc", share.alias("share")).sort(key, "soc")


def allocated_weights(values: pl.DataFrame, key: str, weight: str, pairs: pl.DataFrame,
                      target_weight: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Per-pair weights for :func:`average_to_unit`: ``values`` gains nothing, the pairs gain
    ``_pair_w`` = the source's ``weight`` x its allocation share to the unit.

    Returns ``(values, pairs)`` ready for ``average_to_unit(values, key, cols, pairs,
    weight="_pair_w")``.
    """
    shares = allocation_shares(key, pairs, target_weight)
    w = values.select(key, pl.col(weight).fill_null(0.0).alias("_src_w")).unique(key)
    pw = (shares.join(w, on=key, how="left")
          .select(key, "soc", (pl.col("_src_w").fill_null(0.0) * pl.col("share")).alias("_pair_w")))
    return values.drop(weight), pw


def allocate_to_unit(amounts: pl.DataFrame, key: str, amount: str, pairs: pl.DataFrame,
                     target_weight: pl.DataFrame) -> pl.DataFrame:
    """Allocate an additive amount (employment) across ``pairs`` without creating or losing any.

    A source code mapping to several units splits its amount in proportion to ``target_weight``
    (``soc``, ``weight``: e.g. the units' employment in a later year), equally where those are
    all missing. Returns ``soc``, ``amount`` summed, and ``split`` (true when any part came from a
    split code). The total of ``amount`` over matched source codes is preserved exactly.
    """
    df = (amounts.select(key, amount).join(pairs, on=key, how="inner")
          .join(target_weight.select("soc", pl.col("weight").alias("_tw")), on="soc", how="left")
          .with_columns(pl.col("_tw").fill_null(0.0))
          .with_columns(pl.len().over(key).alias("_n"), pl.col("_tw").sum().over(key).alias("_tws")))
    share = (pl.when(pl.col("_tws") > 0).then(pl.col("_tw") / pl.col("_tws"))
             .otherwise(1.0 / pl.col("_n")))
    return (df.with_columns((pl.col(amount) * share).alias(amount))
            .group_by("soc").agg(pl.col(amount).sum(), (pl.col("_n") > 1).any().alias("split"))
            .sort("soc"))


def onet2010_to_unit(xwalk_2010_2019: pl.DataFrame, nem: pl.DataFrame) -> pl.DataFrame:
    """O*NET-SOC 2010 -> O*NET-SOC 2019 -> unit: ``onet_soc_2010``, ``onet_soc``, ``soc``."""
    units = onet_to_unit(xwalk_2010_2019["onet_soc"], nem)
    return (xwalk_2010_2019.select("onet_soc_2010", "onet_soc")
            .join(units.select("onet_soc", "soc"), on="onet_soc", how="left").unique()
            .sort("onet_soc_2010", "onet_soc"))


def unit_to_isco(esco_onet: pl.DataFrame, xwalk_2010_2019: pl.DataFrame,
                 nem: pl.DataFrame) -> pl.DataFrame:
    """SOC unit <-> ISCO-08 unit group weights, from Nesta's ESCO -> O*NET-SOC 2010 crosswalk.

    Each ESCO occupation links one O*NET-SOC 2010 code with a manual confidence (0.5 / 1 / 2);
    the weight of (soc, isco_code) is the summed confidence of its links, normalised to sum to 1
    within each ``soc``. Returns ``soc``, ``isco_code``, ``weight``, ``n_links``.
    """
    pairs = onet2010_to_unit(xwalk_2010_2019, nem)
    links = (esco_onet.select("onet_soc_2010", "isco_code", pl.col("confidence").fill_null(1.0))
             .join(pairs.select("onet_soc_2010", "soc").unique(), on="onet_soc_2010", how="inner"))
    out = links.group_by("soc", "isco_code").agg(pl.col("confidence").sum().alias("weight"),
                                                 pl.len().alias("n_links"))
    return (out.with_columns(pl.col("weight") / pl.col("weight").sum().over("soc"))
            .sort("soc", "weight", descending=[False, True]))
