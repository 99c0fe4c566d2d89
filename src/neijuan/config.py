"""Scenarios: validated, documented parameters, loaded from TOML files users can copy and edit.

A scenario is a TOML file with one table per section below. Every field has a unit, a range and a
default whose origin is written in ``docs/model.md``. A scenario may start from another with
``extends = "ai-baseline"`` and change only what differs. Unknown keys, wrong types and values out of
range are refused with a message naming the key, the value and what is allowed.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from neijuan.errors import ConfigError

SCENARIO_PACKAGE = "neijuan.scenarios"


class _Section(BaseModel):
    # strict: a boolean is not a count (``periods = true``), a count is not a boolean
    # (``enabled = 1``), and text is not a number; an integer is still a valid real number
    model_config = ConfigDict(extra="forbid", frozen=True, validate_default=True, strict=True)


Fraction = Annotated[float, Field(ge=0.0, le=1.0)]


class RunParams(_Section):
    """Size and length of a run."""

    workers: int = Field(20_000, ge=100, le=1_000_000_000,
                         description="initial labour force, persons")
    periods: int = Field(40, ge=1, le=4_000,
                         description="measured periods (quarters) after the burn-in")
    burn_in: int = Field(60, ge=0, le=4_000,
                         description="pre-AI quarters simulated first and not reported in run figures")
    seeds: int = Field(1, ge=1, le=10_000, description="Monte Carlo replications")
    seed: int = Field(0, ge=0, le=2**62, description="base seed; replication k uses seed + k")
    start_year: int = Field(2018, ge=1800, le=2300,
                            description="calendar year of the first measured quarter")
    person_records: bool = Field(
        True, description="keep each person's wage, tenure, agency, failures and blame counts; "
                          "no figure reads them, so a very large run may drop them (14 bytes a "
                          "person) with the same figures")
    threads: int | None = Field(
        None, ge=1, le=1024,
        description="threads for a run's row passes (chunks of 262,144 rows at once; the same "
                    "figures for any number); unset: the cores left to each seed's process")


class EconomyParams(_Section):
    """Which economy (occupations, tasks, sectors) the run uses."""

    name: Literal["builtin", "onet"] = Field(
        "builtin", description="builtin: the documented toy economy; onet: built from the atlas")
    path: str | None = Field(None, description="a custom economy TOML (same layout as the builtin)")
    data_dir: str | None = Field(None, description="data folder for the onet economy")
    occupations: int = Field(120, ge=4, le=2_000,
                             description="onet economy: largest occupations kept")
    exposure_index: str = Field("eloundou_human_beta",
                                description="onet economy: index that sets task AI thresholds "
                                            "(a task-level index of the atlas)")

    @model_validator(mode="after")
    def _known_index(self) -> EconomyParams:
        from neijuan.atlas.catalog import load_catalog  # stdlib-only catalogue, no data read

        allowed = [i.name for i in load_catalog().task_level]
        if self.exposure_index not in allowed:
            raise ValueError(f"exposure_index = {self.exposure_index!r} is not a task-level "
                             f"index of the atlas; choose one of: {', '.join(allowed)}")
        return self


class AIParams(_Section):
    """AI capability path and cost (MODEL.md §2 step 1)."""

    enabled: bool = Field(True, description="false: no AI at all (the geertz scenario)")
    capability_start: Fraction = Field(0.10, description="capability C at the first measured quarter")
    capability_end: Fraction = Field(0.85, description="asymptote of C(t)")
    capability_midpoint: float = Field(6.0, ge=0.0, le=200.0,
                                       description="years after the start at which C is halfway")
    capability_speed: float = Field(0.45, gt=0.0, le=10.0,
                                    description="logistic steepness of C(t), per year")
    cost_start: float = Field(1.15, gt=0.0, le=100.0,
                              description="AI cost per unit of task work / human cost, at the start")
    cost_decline: Fraction = Field(0.10, description="yearly fall of the AI cost, fraction per year")
    automation_bias: float = Field(0.0, ge=-1.0, le=1.0,
                                   description="-1: every AI use augments; +1: every use automates")
    uplift: float = Field(1.0, ge=0.0, le=10.0,
                          description="output gain of augmented work at AI skill z = 1 (0.6 = +60%)")
    uplift_without_skill: Fraction = Field(
        0.4, description="share of the uplift a person with no AI skill gets (z = 0)")
    monitoring: Fraction = Field(0.4, description="fall of the screen's noise at full adoption")
    assessment: Fraction = Field(
        0.3, description="fall of the skill test's noise sd with AI assessment, per unit of C")
    specialist_demand: float = Field(
        10.0, ge=0.0, le=1000.0,
        description="rise of AI-specialist demand per unit of AI spending / pre-AI output")
    reinstatement: Fraction = Field(
        0.5, description="new human task mass created per unit of task mass automated "
                         "(Acemoglu-Restrepo: reinstatement about half of displacement since 1987)")


class AdoptionParams(_Section):
    """Bass diffusion of AI among firms (MODEL.md §2 step 1)."""

    innovation: float = Field(0.03, ge=0.0, le=1.0, description="Bass p, per year")
    imitation: float = Field(0.38, ge=0.0, le=5.0, description="Bass q, per year")


class DemandParams(_Section):
    """Product demand and price pass-through (MODEL.md §2 step 3)."""

    eta: float | None = Field(None, ge=0.0, le=10.0,
                              description="price elasticity for every sector (default: per sector)")
    kappa: float = Field(0.6, ge=0.0, le=2.0,
                         description="price pass-through elasticity: price ~ productivity^-kappa")
    growth_with_labour: bool = Field(True, description="demand scale grows with the labour force")
    income_elasticity: float = Field(
        0.5, ge=0.0, le=3.0,
        description="income elasticity of every sector's demand to real output per head "
                    "(non-homothetic demand, Comin-Lashkari-Mestieri 2021)")


class ProductionParams(_Section):
    """Task-based production (MODEL.md §2 step 2; Acemoglu-Restrepo)."""

    sigma: float = Field(1.25, ge=0.05, le=20.0,
                         description="elasticity of substitution between labour and AI tasks")
    land_share: float = Field(0.0, ge=0.0, le=0.9,
                              description="output elasticity of a fixed factor (land); 0 = none")


class LabourParams(_Section):
    """Labour supply: entry, retirement, skills and degrees (MODEL.md §2 step 4)."""

    growth: float = Field(0.005, ge=-0.05, le=0.10, description="labour-force growth, per year")
    working_years: float = Field(40.0, ge=5.0, le=80.0,
                                 description="expected working life; retirement hazard = 1/this")
    separation: Fraction = Field(
        0.035, description="quarterly rate at which the employed lose their job besides the "
                           "contest (layoffs and discharges, JOLTS: about 1.2% a month)")
    initial_unemployment: float = Field(0.05, ge=0.0, le=0.95,
                                        description="unemployment rate at the start")
    degree_share: Fraction = Field(0.38, description="share of the initial labour force with a degree")
    entrant_degree_share: Fraction | None = Field(
        None, description="degree share among entrants at the end of the burn-in (default: the "
                          "labour force's, so that entry and exit balance)")
    entrant_degree_trend: float = Field(0.0, ge=-0.05, le=0.05,
                                        description="yearly rise of the entrants' degree share "
                                                    "in the measured window")
    skill_sd: float = Field(0.45, ge=0.0, le=3.0, description="sd of log skill")
    degree_skill_gap: float = Field(0.30, ge=0.0, le=3.0,
                                    description="mean log-skill advantage of degree holders at t = 0")
    sorting: float = Field(0.0, ge=0.0, le=5.0,
                           description="initial log skill per unit log wage of the occupation held")
    ai_skill_mean: Fraction = Field(0.05, description="mean AI skill z of the initial labour force")
    specialist_ai_skill: Fraction = Field(
        0.6, description="mean AI skill of people in AI-specialist roles at the start")
    entrant_ai_skill_max: Fraction = Field(0.45,
                                           description="mean AI skill of entrants at full adoption")


class ContestParams(_Section):
    """Screening and retention contest, and effort (MODEL.md §2 steps 5-6)."""

    rule: Literal["tullock", "top_m"] = Field(
        "tullock", description="tullock: lottery against a bar; top_m: best M observed scores")
    r: float = Field(1.0, gt=0.0, le=3.0, description="effort exponent in the score e^r")
    noise: float = Field(1.5, ge=0.05, le=20.0,
                         description="scale of the screen's noise on the log score (pre-AI)")
    discount: float = Field(0.01, gt=0.0, le=1.0,
                            description="discount rate per quarter in the value of a job")
    effort_cost: float = Field(0.004, gt=0.0, le=10.0,
                               description="cost of 1 h/week of extra effort for a quarter, "
                                           "in mean pre-AI quarterly wages")
    adjustment: float = Field(0.5, gt=0.0, le=1.0,
                              description="share of the gap to the best response closed per quarter")
    productivity_weight: float = Field(1.0, ge=0.0, le=20.0,
                                       description="weight of estimated log productivity in the score")
    incumbent_advantage: float = Field(0.3, ge=0.0, le=20.0,
                                       description="log-score bonus of incumbents (firm knowledge)")
    max_effort: float = Field(60.0, gt=0.0, le=200.0, description="cap on extra effort, h/week")


class ScreeningParams(_Section):
    """What the firm observes and how it weighs it (MODEL.md §2 step 5, Bayesian screen)."""

    test_noise: float = Field(0.6, gt=0.0, le=10.0,
                              description="sd of the skill test's noise, log-skill units, pre-AI")
    firm_dispersion: float = Field(0.5, ge=0.0, le=5.0,
                                   description="sd across firms of the log test noise")
    degree_weight_threshold: Fraction = Field(
        0.2, description="a firm requires a degree when the degree's weight exceeds this")
    ai_skill_threshold: Fraction = Field(0.5, description="AI skill z at which a worker 'has AI skill'")


class LearningParams(_Section):
    """Learning and obsolescence (MODEL.md §2 step 7)."""

    share: Fraction = Field(0.3, description="share of effort spent learning")
    skill_rate: float = Field(0.004, ge=0.0, le=1.0,
                              description="log-skill gain per quarter per log(1 + learning h/week)")
    ai_rate: float = Field(0.5, ge=0.0, le=1.0,
                           description="AI-skill gain rate, per quarter per log(1 + h/week)")
    ai_skill_depreciation: float = Field(0.02, ge=0.0, le=2.0,
                                         description="depreciation of AI skill, per year")
    obsolescence: float = Field(0.05, ge=0.0, le=10.0,
                                description="log-skill loss per unit rise of capability C")
    ai_focus: Fraction = Field(0.6, description="share of learning spent on AI skill where AI is used")


class WageParams(_Section):
    """Wage setting (MODEL.md §2 step 8)."""

    bargaining: float = Field(0.6, gt=0.0, le=1.0,
                              description="workers' share of the marginal revenue product")
    competition: float = Field(1.0, ge=0.0, le=10.0,
                               description="elasticity of the bargaining share to the retention "
                                           "rate M/N: more candidates per position, less rent")
    replacement: Fraction = Field(
        0.4, description="unemployment benefit and home production / mean wage")


class AgencyParams(_Section):
    """Agency, credit and blame (MODEL.md §2 step 9)."""

    review_burden: float = Field(0.25, ge=0.0, le=5.0,
                                 description="time to sign off a unit of automated work / doing it")
    augment_origination: Fraction = Field(
        0.3, description="share of augmented work a person originates whatever their AI skill")
    human_failure_rate: Fraction = Field(0.02, description="failures per unit of human-originated work")
    ai_failure_rate: Fraction = Field(0.03, description="failures per unit of AI-originated work")
    liability_rule: Literal["confirmer", "authority"] = Field(
        "confirmer",
        description="confirmer: the person who signed off is blamed with probability `liability`; "
                    "authority: blame follows who originated the decision")
    liability: Fraction = Field(0.9, description="P(confirmer blamed | AI-originated failure)")
    threshold: Fraction = Field(
        0.5, description="needed share of working time below which an employed person is "
                         "retained, not needed")
    blame_penalty: float = Field(
        0.5, ge=0.0, le=10.0,
        description="fall of the retention score (log-score units) per blame mark on the record")
    mark_decay: Fraction = Field(0.25, description="share of a blame mark that fades each quarter")
    defensive_review: float = Field(
        20.0, ge=0.0, le=200.0,
        description="share of working time moved to defensive review per expected blame a "
                    "quarter")
    max_review: Fraction = Field(0.5, description="cap on the share of time in defensive review")
    review_detection: float = Field(
        5.0, ge=0.0, le=100.0,
        description="AI failures caught per unit of review time: pass rate exp(-this * review)")


SECTIONS: dict[str, type[_Section]] = {
    "run": RunParams,
    "economy": EconomyParams,
    "ai": AIParams,
    "adoption": AdoptionParams,
    "demand": DemandParams,
    "production": ProductionParams,
    "labour": LabourParams,
    "contest": ContestParams,
    "screening": ScreeningParams,
    "learning": LearningParams,
    "wages": WageParams,
    "agency": AgencyParams,
}


class Scenario(BaseModel):
    """A complete, validated parameter set."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = "custom"
    description: str = ""
    run: RunParams = RunParams()
    economy: EconomyParams = EconomyParams()
    ai: AIParams = AIParams()
    adoption: AdoptionParams = AdoptionParams()
    demand: DemandParams = DemandParams()
    production: ProductionParams = ProductionParams()
    labour: LabourParams = LabourParams()
    contest: ContestParams = ContestParams()
    screening: ScreeningParams = ScreeningParams()
    learning: LearningParams = LearningParams()
    wages: WageParams = WageParams()
    agency: AgencyParams = AgencyParams()

    @model_validator(mode="after")
    def _consistent(self) -> Scenario:
        if self.ai.capability_end < self.ai.capability_start:
            raise ValueError(
                f"ai.capability_end = {self.ai.capability_end} must be >= ai.capability_start = "
                f"{self.ai.capability_start}")
        return self

    def params(self) -> dict[str, dict[str, Any]]:
        """The parameters as plain nested dicts (for results and JSON)."""
        return {name: getattr(self, name).model_dump() for name in SECTIONS}

    def with_overrides(self, overrides: Mapping[str, Any] | Iterable[str] | None) -> Scenario:
        """A copy with ``{"section.key": value}`` (or ``["section.key=value", ...]``) applied."""
        if not overrides:
            return self
        pairs = parse_overrides(overrides)
        data: dict[str, Any] = {"name": self.name, "description": self.description, **self.params()}
        for dotted, value in pairs.items():
            section, key = _split_key(dotted)
            data[section][key] = value
        return _validate(data, source=f"scenario {self.name!r} with overrides")


# --------------------------------------------------------------------------------------------------
# loading


def list_scenarios() -> dict[str, str]:
    """Shipped scenarios: name -> one-line description."""
    out: dict[str, str] = {}
    for entry in sorted(resources.files(SCENARIO_PACKAGE).iterdir(), key=lambda p: p.name):
        if entry.name.endswith(".toml"):
            raw = tomllib.loads(entry.read_text(encoding="utf-8"))
            out[entry.name.removesuffix(".toml")] = str(raw.get("description", "")).strip()
    return out


def scenario_text(name: str) -> str:
    """The TOML text of a shipped scenario (to copy and edit)."""
    known = list_scenarios()
    if name not in known:
        raise ConfigError(f"unknown scenario {name!r}; known: {', '.join(known)}")
    return (resources.files(SCENARIO_PACKAGE) / f"{name}.toml").read_text(encoding="utf-8")


def load_scenario(
    scenario: str | Path | Scenario = "ai-baseline",
    overrides: Mapping[str, Any] | Iterable[str] | None = None,
) -> Scenario:
    """A shipped scenario by name, or a TOML file by path, validated, with overrides applied."""
    if isinstance(scenario, Scenario):
        return scenario.with_overrides(overrides)
    raw, source = _read_raw(scenario, seen=())
    sc = _validate(raw, source=source)
    return sc.with_overrides(overrides)


def _read_raw(scenario: str | Path, seen: tuple[str, ...]) -> tuple[dict[str, Any], str]:
    """Raw nested dict of a scenario with its ``extends`` chain merged (child wins)."""
    text, source, default_name = _scenario_source(scenario)
    if source in seen:
        raise ConfigError(f"scenario {source}: 'extends' forms a cycle: {' -> '.join(seen)}")
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"scenario {source}: not valid TOML: {exc}") from exc
    except RecursionError:
        raise ConfigError(f"scenario {source}: not a scenario: nested too deeply") from None
    raw.setdefault("name", default_name)
    parent = raw.pop("extends", None)
    if parent is None:
        return raw, source
    if not isinstance(parent, str):
        raise ConfigError(f"scenario {source}: 'extends' must be a scenario name or path")
    if isinstance(scenario, Path) or _looks_like_path(str(scenario)):
        parent_ref: str | Path = parent
        candidate = Path(str(scenario)).parent / parent
        if candidate.exists():
            parent_ref = candidate
    else:
        parent_ref = parent
    base, _ = _read_raw(parent_ref, seen=(*seen, source))
    return _deep_merge(base, raw), source


def _scenario_source(scenario: str | Path) -> tuple[str, str, str]:
    text_name = str(scenario)
    if isinstance(scenario, Path) or _looks_like_path(text_name):
        path = Path(scenario)
        if not path.is_file():
            raise ConfigError(f"scenario file {path} does not exist")
        try:
            return path.read_text(encoding="utf-8"), str(path), path.stem
        except UnicodeDecodeError as exc:
            raise ConfigError(f"scenario file {path} is not UTF-8 text (byte {exc.start}); a "
                              f"scenario is a TOML file") from None
        except OSError as exc:
            raise ConfigError(f"scenario file {path}: cannot read it ({exc.strerror})") from None
    known = list_scenarios()
    if text_name not in known:
        raise ConfigError(
            f"unknown scenario {text_name!r}; known: {', '.join(known)} (or give a path to a "
            ".toml file)")
    return scenario_text(text_name), text_name, text_name


def _looks_like_path(text: str) -> bool:
    return text.endswith(".toml") or "/" in text or "\\" in text


def _deep_merge(base: dict[str, Any], child: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in child.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _deep_merge(out[key], value)
        else:
            out[key] = value
    return out


def _validate(raw: dict[str, Any], source: str) -> Scenario:
    for key in raw:
        if key not in SECTIONS and key not in ("name", "description"):
            raise ConfigError(
                f"{source}: unknown section or key {key!r}; allowed: name, description, "
                f"{', '.join(SECTIONS)}")
    try:
        return Scenario.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(f"{source}: {_describe(exc)}") from None


def _describe(exc: ValidationError) -> str:
    """One readable line per problem: the dotted key, the value given, and what is allowed."""
    lines = []
    for err in exc.errors():
        loc = ".".join(str(p) for p in err["loc"])
        value = err.get("input")
        kind = err["type"]
        if kind == "extra_forbidden":
            section = str(err["loc"][0]) if len(err["loc"]) > 1 else ""
            allowed = ", ".join(SECTIONS[section].model_fields) if section in SECTIONS else ""
            lines.append(f"unknown key {loc!r}; allowed in [{section}]: {allowed}")
            continue
        field_doc = _field_doc(err["loc"])
        msg = err["msg"]
        lines.append(f"{loc} = {value!r} is not allowed: {msg}{field_doc}")
    return "; ".join(lines)


def _field_doc(loc: tuple[int | str, ...]) -> str:
    if len(loc) != 2 or loc[0] not in SECTIONS:
        return ""
    field = SECTIONS[str(loc[0])].model_fields.get(str(loc[1]))
    if field is None:
        return ""
    bounds = []
    for meta in field.metadata:
        for attr, sym in (("ge", ">="), ("gt", ">"), ("le", "<="), ("lt", "<")):
            if getattr(meta, attr, None) is not None:
                bounds.append(f"{sym} {getattr(meta, attr)}")
    rng = f" [{', '.join(bounds)}]" if bounds else ""
    return f" ({field.description}{rng})" if field.description else rng


def _did_you_mean(dotted: str) -> str:
    """' (did you mean 'demand.kappa'?)' for the closest known key, or ''."""
    import difflib

    known = [f"{section}.{key}" for section, model in SECTIONS.items()
             for key in model.model_fields]
    close = difflib.get_close_matches(dotted, known, n=1, cutoff=0.75)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _split_key(dotted: str) -> tuple[str, str]:
    parts = dotted.split(".")
    if len(parts) != 2 or parts[0] not in SECTIONS:
        raise ConfigError(
            f"override key {dotted!r} must be section.key with section one of: "
            f"{', '.join(SECTIONS)}{_did_you_mean(dotted)}")
    section, key = parts
    if key not in SECTIONS[section].model_fields:
        raise ConfigError(
            f"unknown key {dotted!r}{_did_you_mean(dotted)}; allowed in [{section}]: "
            f"{', '.join(SECTIONS[section].model_fields)}")
    return section, key


def parse_overrides(overrides: Mapping[str, Any] | Iterable[str]) -> dict[str, Any]:
    if isinstance(overrides, Mapping):
        return dict(overrides)
    out: dict[str, Any] = {}
    for item in overrides:
        if "=" not in item:
            raise ConfigError(f"override {item!r} must look like section.key=value")
        key, text = item.split("=", 1)
        out[key.strip()] = _parse_value(text.strip())
    return out


def _parse_value(text: str) -> Any:
    """A TOML value (``0.5``, ``true``, ``"x"``); a bare word is taken as a string."""
    try:
        return tomllib.loads(f"v = {text}")["v"]
    except (tomllib.TOMLDecodeError, RecursionError):
        return text  # a bare word is a string; the field's type then decides
