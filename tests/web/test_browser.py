"""The page in a real browser (Debian's chromium through Playwright): pick, run, watch the
progress, see the plots, switch language. Skipped with a reason when chromium is absent."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("fastapi", reason="the web app needs FastAPI (pip install 'neijuan[web]')")
pytest.importorskip("uvicorn", reason="the web app needs uvicorn (pip install 'neijuan[web]')")

from webhelp import CHROMIUM_ARGS, chromium_path, serving, small_settings

from neijuan.datadir import find_data_dir

SHOTS = Path(__file__).resolve().parents[2] / "build" / "screenshots"


@pytest.fixture(scope="module")
def browser() -> Any:
    exe = chromium_path()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=exe, args=CHROMIUM_ARGS)
        yield b
        b.close()


def test_page_runs_a_scenario_and_switches_language(browser: Any) -> None:
    from neijuan.web.app import create_app

    app = create_app(small_settings())
    with serving(app) as url:
        page = browser.new_page(viewport={"width": 1300, "height": 1000})
        outside: list[str] = []
        page.on("request", lambda r: outside.append(r.url)
                if not r.url.startswith(url) and not r.url.startswith("data:") else None)
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(url + "/?burn_in=8")
        page.wait_for_selector("body[data-ready='1']", timeout=30_000)
        assert page.locator("#sliders input[type=range]").count() >= 6
        page.select_option("#scenario", "jevons")
        page.fill("#workers", "2000")
        page.fill("#periods", "8")
        page.fill("#seeds", "2")
        page.locator("#sliders input").first.fill("0.2")   # move a slider
        page.click("#run")
        page.wait_for_selector("#plots .plot .main-svg", timeout=90_000)
        assert page.locator("#plots .plot").count() == 6
        assert page.eval_on_selector("#progress", "e => e.value") == 1
        assert "完成" in page.inner_text("#status")
        assert "内卷" in page.inner_text("#effects") or "AI 效应" in page.inner_text("#effects")
        assert "每岗位努力" in page.inner_text("#plots")
        page.click("#lang-en")
        assert page.inner_text("#run") == "Run"
        assert "AI effect" in page.inner_text("#effects")
        assert "effort" in page.inner_text("#plots").lower()
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / "web-en.png"), full_page=True)
        page.click("#lang-zh")
        assert page.inner_text("#run") == "运行"
        page.screenshot(path=str(SHOTS / "web-zh.png"), full_page=True)
        if find_data_dir() is not None:   # the atlas: search, pick, see tasks and indices
            page.wait_for_selector("#exposure .main-svg", timeout=30_000)
            page.fill("#q", "lawyer")
            page.click("#search")
            page.locator("#hits li").first.click()
            page.wait_for_selector("#occupation h3", timeout=30_000)
            assert "Lawyers" in page.inner_text("#occupation h3")
            assert page.locator("#occupation ol li").count() > 3
            page.screenshot(path=str(SHOTS / "web-atlas.png"), full_page=True)
        assert errors == [], errors
        assert outside == [], outside   # nothing fetched from outside the app
        page.close()
