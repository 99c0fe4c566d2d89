"""HTML to PDF through headless Chromium (the browser draws the Plotly figures first)."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from neijuan.errors import NeijuanError

CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
# flags that work on a headless server (shared/NOTES.md)
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync")


def find_chromium() -> str | None:
    """The Chromium executable: ``NEIJUAN_CHROMIUM``, else the first on the PATH."""
    env = os.environ.get("NEIJUAN_CHROMIUM")
    if env:
        return env if Path(env).is_file() else None
    for name in CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    return None


def html_to_pdf(html_file: Path, pdf_file: Path, timeout: float = 120.0) -> Path:
    """Print ``html_file`` to ``pdf_file`` (written atomically); a clear error without Chromium."""
    from neijuan.atomic import atomic_path

    exe = find_chromium()
    if exe is None:
        raise NeijuanError("--pdf needs Chromium: install it (apt-get install chromium "
                           "fonts-noto-cjk) or set NEIJUAN_CHROMIUM to its path")
    with tempfile.TemporaryDirectory(prefix="neijuan-chromium-") as profile, \
            atomic_path(pdf_file) as tmp:
        cmd = [exe, *FLAGS, f"--user-data-dir={profile}", "--no-pdf-header-footer",
               "--virtual-time-budget=20000", f"--print-to-pdf={tmp}",
               Path(html_file).resolve().as_uri()]
        try:
            done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout,
                                  check=False)
        except subprocess.TimeoutExpired as exc:
            raise NeijuanError(f"Chromium did not print the PDF within {timeout:.0f} s") from exc
        if done.returncode != 0 or not tmp.exists() or tmp.stat().st_size == 0:
            tail = (done.stderr or "").strip().splitlines()[-3:]
            raise NeijuanError(f"Chromium could not print the PDF (exit {done.returncode}): "
                               + " / ".join(tail))
    return pdf_file
