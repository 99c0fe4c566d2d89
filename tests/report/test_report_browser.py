"""The report in a real browser: the Chinese renders in a CJK font (not boxes), plots draw
offline, and --pdf prints. Skipped with a reason when chromium is absent."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import pytest

SHOTS = Path(__file__).resolve().parents[2] / "build" / "screenshots"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]


def _chromium() -> str:
    for candidate in (os.environ.get("NEIJUAN_CHROMIUM"), "/usr/bin/chromium",
                      shutil.which("chromium"), shutil.which("chromium-browser")):
        if candidate and os.path.isfile(candidate):
            return candidate
    pytest.skip("chromium is not installed (apt-get install -y chromium fonts-noto-cjk)")
    raise AssertionError


@pytest.fixture(scope="module")
def report_file(tiny_results: dict[str, Any], tmp_path_factory: pytest.TempPathFactory) -> Path:
    from neijuan.report.build import build_report

    path = tmp_path_factory.mktemp("report") / "report.html"
    path.write_text(build_report("zh", results=tiny_results), encoding="utf-8")
    return path


def test_chinese_renders_in_a_cjk_font(report_file: Path) -> None:
    exe = _chromium()
    pytest.importorskip("playwright", reason="playwright is not installed")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=exe, args=ARGS)
        page = browser.new_page(viewport={"width": 1100, "height": 1400})
        outside: list[str] = []
        page.route("**/*", lambda route: (outside.append(route.request.url), route.abort())
                   if not route.request.url.startswith(("file:", "data:"))
                   else route.continue_())
        page.goto(report_file.as_uri())
        page.wait_for_selector("#mechanism .plot .main-svg", timeout=30_000)
        assert page.locator(".plot .main-svg").count() >= 8  # plotly drew offline
        assert outside == [], outside
        # the fonts the browser really used for the Chinese heading (DevTools protocol)
        cdp = page.context.new_cdp_session(page)
        cdp.send("DOM.enable")
        cdp.send("CSS.enable")
        doc = cdp.send("DOM.getDocument")
        node = cdp.send("DOM.querySelector", {"nodeId": doc["root"]["nodeId"],
                                              "selector": "h1"})
        fonts = cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node["nodeId"]})["fonts"]
        families = {f["familyName"] for f in fonts}
        if not any("CJK" in f or "Han" in f or "Hei" in f for f in families):
            pytest.fail(f"the Chinese title is drawn with {families}: no CJK font (boxes); "
                        "apt-get install -y fonts-noto-cjk")
        assert page.evaluate("document.fonts.check('16px \"Noto Sans CJK SC\"', '内卷')")
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / "report-zh.png"))
        browser.close()


def test_pdf(report_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEIJUAN_CHROMIUM", _chromium())
    from neijuan.report.pdf import html_to_pdf

    target = html_to_pdf(report_file, tmp_path / "report.pdf")
    data = target.read_bytes()
    assert data.startswith(b"%PDF") and len(data) > 50_000
    assert b"NotoSansCJK" in data or b"Noto Sans CJK" in data   # the CJK font is embedded
