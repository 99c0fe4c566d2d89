"""The :class:`Atlas` object and :func:`load_atlas`: the atlas as typed Polars frames.

``load_atlas`` builds from the raw files once and then serves the Parquet build cache, which is
keyed on the inputs' SHA-256 and the build's code, so a changed file or rule rebuilds by itself.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from neijuan.atlas.catalog import Catalog, IndexInfo, load_catalog
from neijuan.atlas.roles import RoleRules, load_rules, role_agreement
from neijuan.atlas.store import atlas_cache, build_into, check_coverage_floors, verify_inputs
from neijuan.errors import DataError


@dataclass(frozen=True)
class Atlas:
    """Occupations and tasks with every exposure index side by side.

    Attributes
    ----------
    occupations:
        One row per OEWS occupation (a SOC 2018 six-digit code; 12 are BLS aggregates of
        detailed codes): ``soc``, ``title``, ``major_group``, ``major_title``, ``employment``
        and ``median_wage`` (OEWS May 2024; annual USD, hourly-only occupations x 2,080,
        top-coded medians at the top code with ``median_topcoded``), ``employment_2015``,
        ``employment_2021``, ``median_wage_2015``, ``median_wage_2021`` (crosswalked; null where
        unmatched), ``job_zone`` (O*NET 1-5), ``skill_tier`` (low / mid / high), ``education``
        (BLS typical entry education), ``isco08``, ``n_tasks``, one column per index of
        :attr:`indices`, their task coverage, and the task-weighted shares of human-role classes
        (``share_originate``, ``share_confirm``, ``share_hands_on``).
    tasks:
        One row per O*NET 29.3 task: ``soc``, ``onet_soc``, ``task_id``, ``statement``,
        ``task_type``, ``weight`` (sums to 1 within each ``soc``), every task-level index,
        ``automation_share`` / ``augmentation_share`` (conditional on AI meeting the task),
        ``human_role`` and how it was decided.
    related:
        Edges ``soc`` -> ``related_soc`` with ``weight`` (sums to 1 per ``soc``), from O*NET
        Related Occupations.
    coverage:
        One row per join: items, matched, share of employment and of tasks, warning flag.
    interactions:
        Anthropic's aggregate shares of interaction types (the release has no task-level split).
    provenance:
        The build manifest: code version, build time, each input's SHA-256, size, source and
        version, and whether it matches the registry.
    """

    occupations: pl.DataFrame
    tasks: pl.DataFrame
    related: pl.DataFrame
    coverage: pl.DataFrame
    interactions: pl.DataFrame
    provenance: dict[str, Any]
    catalog: Catalog

    @property
    def indices(self) -> tuple[IndexInfo, ...]:
        """Every index with its construct, level, source and label."""
        return self.catalog.indices

    def index(self, name: str) -> IndexInfo:
        """The index called ``name`` (ConfigError listing the valid names otherwise)."""
        return self.catalog.get(name)

    def occupation(self, soc: str) -> dict[str, Any]:
        """One occupation as a dict; DataError when the code is not in the atlas."""
        row = self.occupations.filter(pl.col("soc") == soc)
        if row.height == 0:
            raise DataError(f"occupation {soc!r} is not in the atlas (codes look like 23-1011; "
                            f"try 'neijuan atlas search')")
        return row.row(0, named=True)

    def tasks_of(self, soc: str) -> pl.DataFrame:
        """The tasks of one occupation, heaviest first."""
        self.occupation(soc)
        return self.tasks.filter(pl.col("soc") == soc).sort("weight", "task_id",
                                                            descending=[True, False])

    def coverage_warnings(self) -> pl.DataFrame:
        """The joins whose coverage is below the threshold."""
        return self.coverage.filter(pl.col("warning"))

    def rank_correlations(self, level: str = "occupation") -> pl.DataFrame:
        """Spearman rank correlation of every pair of indices, on rows having both.

        ``level`` is 'occupation' (all indices) or 'task' (task-level indices). Returns
        ``a``, ``b``, ``rho``, ``n`` (long form; one row per unordered pair).
        """
        if level == "occupation":
            frame, names = self.occupations, [i.name for i in self.indices]
        elif level == "task":
            frame, names = self.tasks, [i.name for i in self.catalog.task_level]
        else:
            raise DataError(f"level must be 'occupation' or 'task', not {level!r}")
        rows = []
        for i, a in enumerate(names):
            for b in names[i + 1:]:
                both = frame.select(a, b).drop_nulls()
                n = both.height
                rho = None
                if n >= 3:
                    r = both.select(pl.corr(a, b, method="spearman")).item()
                    rho = None if r is None or r != r else float(r)
                rows.append({"a": a, "b": b, "rho": rho, "n": n})
        return pl.DataFrame(rows, schema={"a": pl.String, "b": pl.String, "rho": pl.Float64,
                                          "n": pl.Int64})

    def role_agreement(self, rules: RoleRules | None = None) -> list[dict[str, Any]]:
        """Agreement of the human-role classes with WORKBank's Human Agency Scale (experts' rating
        and workers' desired level), on the tasks rated by both."""
        rules = rules or load_rules()
        return [role_agreement(self.tasks, c, rules)
                for c in ("workbank_has_expert", "workbank_has_desired")]


def load_atlas(data_dir: str | os.PathLike[str] | None = None, *, refresh: bool = False,
               progress: Callable[[str], None] | None = None,
               cache_root: Path | None = None) -> Atlas:
    """The atlas of ``data_dir`` (default: the data-folder rule), built once then cached.

    ``refresh=True`` rebuilds from the raw files even when the cache is valid. ``progress`` is
    called with the name of each build step (the CLI shows a progress bar with it).
    """
    cache = atlas_cache(data_dir, root=cache_root)
    check = verify_inputs(cache)  # a changed input is refused (or allowed and flagged)
    if refresh or not cache.is_valid():
        build_into(cache, progress=progress)
    check_coverage_floors(cache, check)
    tables = {name: pl.read_parquet(cache.path(f"{name}.parquet"))
              for name in ("occupations", "tasks", "related", "coverage", "interactions")}
    return Atlas(**tables, provenance={**cache.manifest(), "data_check": check.as_dict()},
                 catalog=load_catalog())
