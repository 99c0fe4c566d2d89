"""The AI-skill taxonomy: a versioned TOML data file, compiled into three regular expressions.

The terms live in ``data/ai_skills.toml`` (or a file the user names), not in code, so that a reader can
see and change exactly what counts as an AI skill, and every output records which version decided it.
"""

from __future__ import annotations

import functools
import hashlib
import tomllib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from neijuan.errors import ConfigError

_SECTIONS: dict[str, tuple[str, ...]] = {
    "exclude": ("en", "zh"),
    "tool": ("en", "zh"),
    "specialist": ("en", "en_generic", "zh", "zh_generic"),
}
# Each section is compiled into one pattern per language: English terms are applied to every ad
# (Chinese ads name PyTorch and LLMs too), Chinese terms only to Chinese ads. Keeping the two apart
# also keeps each regex small enough for the DFA engine (one joint alternation is ~10x slower).
LANGUAGES = ("en", "zh")


@dataclass(frozen=True)
class Taxonomy:
    """Compiled taxonomy: one alternation per step, plus its name, version and checksum."""

    name: str
    version: str
    sha256: str
    source: str
    exclude: dict[str, str]
    tool: dict[str, str]
    specialist: dict[str, str]
    n_terms: dict[str, int]
    # Per language, tool | specialist in one pattern: the cheap test of whether an ad needs the
    # three steps at all (exclusion only removes matches, so it cannot create one).
    candidate: dict[str, str]
    # Every term on its own, as (section.key[i], compiled fragment), to say which rule matched.
    fragments: tuple[tuple[str, str], ...] = ()
    # 2.6.0: the exclusion alternation in parts of at most EXCLUDE_PART fragments, applied one after
    # the other: one joined pattern outgrew the lazy DFA's cache and ran several times slower.
    exclude_parts: dict[str, tuple[str, ...]] = field(default_factory=dict)


EXCLUDE_PART = 9


def _join(fragments: list[str]) -> str:
    """One case-insensitive alternation (matching ``(?i)`` on the raw text is faster than lower-casing
    every ad first)."""
    return "(?i)" + "|".join(f"(?:{f})" for f in fragments)


def _validate(pattern: str, where: str) -> None:
    """Compile ``pattern`` with Polars' engine so a bad term fails here, naming the file and section."""
    import polars as pl

    try:
        pl.Series([""], dtype=pl.String).str.contains(pattern)
    except Exception as exc:  # polars raises ComputeError for a bad regex
        raise ConfigError(f"{where}: invalid regular expression: {exc}") from None


def load_taxonomy(path: str | Path | None = None) -> Taxonomy:
    """Read and compile a taxonomy TOML (the shipped one when ``path`` is None)."""
    if path is None:
        raw = resources.files("neijuan.ads").joinpath("data/ai_skills.toml").read_bytes()
        source = "neijuan/ads/data/ai_skills.toml"
    else:
        p = Path(path)
        if not p.is_file():
            raise ConfigError(f"taxonomy file not found: {p}")
        raw = p.read_bytes()
        source = str(p)
    return _compile(raw, source)


@functools.cache
def _compile(raw: bytes, source: str) -> Taxonomy:
    try:
        doc = tomllib.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{source}: not a valid UTF-8 TOML file: {exc}") from None
    meta = doc.get("meta", {})
    if not isinstance(meta.get("version"), str):
        raise ConfigError(f"{source}: [meta] needs a string 'version'")
    compiled: dict[str, dict[str, str]] = {}
    counts: dict[str, int] = {}
    all_fragments: list[tuple[str, str]] = []
    excl: dict[str, list[str]] = {}
    for section, keys in _SECTIONS.items():
        table = doc.get(section)
        if not isinstance(table, dict):
            raise ConfigError(f"{source}: missing table [{section}] (keys {', '.join(keys)})")
        per_lang: dict[str, list[str]] = {lang: [] for lang in LANGUAGES}
        for key in keys:
            items = table.get(key, [])
            if not isinstance(items, list) or not all(isinstance(i, str) and i for i in items):
                raise ConfigError(f"{source}: [{section}].{key} must be a list of non-empty strings")
            for i, item in enumerate(items):
                _validate(item, f"{source}: [{section}].{key}[{i}]")
            if key.startswith("en"):
                # Whole tokens only: "descript" must not fire inside "description". An ASCII word
                # boundary still matches between a Han character and a Latin letter ("熟悉pytorch").
                items = [f"(?-u:\\b)(?:{item})(?-u:\\b)" for item in items]
            per_lang[key.split("_")[0]].extend(items)
            all_fragments += [(f"{section}.{key}[{i}]", item) for i, item in enumerate(items)]
        for lang, fragments in per_lang.items():
            if not fragments:
                raise ConfigError(f"{source}: [{section}] has no {lang} terms")
        compiled[section] = {lang: _join(f) for lang, f in per_lang.items()}
        if section == "exclude":
            excl = per_lang
        counts[section] = sum(len(f) for f in per_lang.values())
    return Taxonomy(
        name=str(meta.get("name", "unnamed")),
        version=meta["version"],
        sha256=hashlib.sha256(raw).hexdigest(),
        source=source,
        exclude=compiled["exclude"],
        tool=compiled["tool"],
        specialist=compiled["specialist"],
        n_terms=counts,
        candidate={lang: compiled["tool"][lang] + "|" + compiled["specialist"][lang][len("(?i)"):]
                   for lang in LANGUAGES},
        fragments=tuple(all_fragments),
        exclude_parts={lang: tuple(_join(f[i:i + EXCLUDE_PART])
                                   for i in range(0, len(f), EXCLUDE_PART))
                       for lang, f in excl.items()},
    )
