"""The same per-file pipeline on Ray Data: one task per input file, on a local cluster.

Each task runs :func:`neijuan.ads.analysis.process_file` (the very function of the local path) and
writes its part files into the shared work folder; the driver then merges the parts exactly as the
local path does. Ray is an optional dependency (``pip install 'neijuan[ray]'``).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from neijuan.ads.ingest import Mapping
from neijuan.ads.occupation import Lexicon
from neijuan.ads.taxonomy import Taxonomy
from neijuan.errors import ConfigError, NeijuanError


def _ensure_ray(num_cpus: int | None) -> Any:
    try:
        import ray
    except ImportError:
        raise ConfigError("--ray needs Ray: pip install 'neijuan[ray]'") from None
    if not ray.is_initialized():
        ray.init(num_cpus=num_cpus, include_dashboard=False, ignore_reinit_error=True,
                 log_to_driver=False, configure_logging=False)
    return ray


def process_files_ray(files: list[Path], mapping: Mapping, tax: Taxonomy, lex: Lexicon,
                      work: Path, num_cpus: int | None = None,
                      progress: Callable[[str, dict[str, Any]], None] | None = None,
                      use_judge: bool = False, use_learned: bool = False
                      ) -> list[dict[str, Any]]:
    """Process ``files`` as a Ray Dataset (one row per file); return the per-file metadata."""
    ray = _ensure_ray(num_cpus)
    import logging

    # Ray Data's per-dataset progress logs would drown the CLI's own progress bar.
    logging.getLogger("ray.data").setLevel(logging.WARNING)
    context = ray.data.DataContext.get_current()
    context.enable_progress_bars = False

    from neijuan.ads.analysis import process_file

    def run(batch: dict[str, Any]) -> dict[str, Any]:
        metas: list[str] = []
        for index, path in zip(batch["index"], batch["path"], strict=True):
            try:
                meta = process_file(str(path), mapping, tax, lex, work, int(index), use_judge,
                                    use_learned)
            except NeijuanError as exc:  # carried back and re-raised with its message
                metas.append(json.dumps({"error": str(exc), "path": str(path)}))
                continue
            metas.append(json.dumps(meta, default=str))
        return {"meta": metas}

    items = [{"index": i, "path": str(p)} for i, p in enumerate(files)]
    ds = ray.data.from_items(items, override_num_blocks=max(1, len(items)))
    rows = ds.map_batches(run, batch_size=1, batch_format="numpy").take_all()
    metas = [json.loads(r["meta"]) for r in rows]
    by_path = {m["path"]: m for m in metas}
    ordered = [by_path[str(p)] for p in files]
    for meta in ordered:
        if "error" in meta:
            from neijuan.errors import DataError

            raise DataError(meta["error"])
        if progress is not None:
            progress(meta["path"], meta)
    return ordered
