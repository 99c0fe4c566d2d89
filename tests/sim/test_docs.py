"""docs/model.md documents every parameter and every run figure of the code."""

from __future__ import annotations

from pathlib import Path

from neijuan.config import SECTIONS
from neijuan.sim.figures import RUN_FIGURES

DOC = Path(__file__).resolve().parents[2] / "docs" / "model.md"


def test_every_parameter_is_documented_with_its_default() -> None:
    text = DOC.read_text(encoding="utf-8")
    for section, model in SECTIONS.items():
        for name in model.model_fields:
            assert f"`{section}.{name}`" in text, f"{section}.{name} missing from docs/model.md"


def test_every_run_figure_is_documented() -> None:
    text = DOC.read_text(encoding="utf-8")
    for name in RUN_FIGURES:
        assert f"`{name}`" in text, f"figure {name} missing from docs/model.md"
