"""Trainer-ready exports of a simgen output directory (the output contract, docs/format.md).

`export(out, ["coco", "hf"], dest, ExportOptions(...))` writes DEST/<format>/ for each format, each built
under a temporary name and renamed into place when complete. Exporters read only OUT's files.
"""

from __future__ import annotations

import logging
from pathlib import Path

from simgen.core.errors import ConfigError
from simgen.io.export.base import ExportOptions
from simgen.io.export.store import Store, staged_dir

log = logging.getLogger(__name__)


def _registry() -> dict:
    from simgen.interop.procthor_export import export_procthor
    from simgen.io.export import recon, tables, vision, vlm, wds

    return {
        "llava-video": vlm.export_llava_video,
        "qwen-vl": vlm.export_qwen_vl,
        "llamafactory": vlm.export_llamafactory,
        "verl": vlm.export_verl,
        "vsibench": tables.export_vsibench,
        "hf": tables.export_hf,
        "webdataset": wds.export_webdataset,
        "coco": vision.export_coco,
        "bop": vision.export_bop,
        "nerfstudio": recon.export_nerfstudio,
        "colmap": recon.export_colmap,
        "procthor": export_procthor,
    }


FORMATS = ("llava-video", "qwen-vl", "llamafactory", "verl", "vsibench", "hf", "webdataset", "coco", "bop",
           "nerfstudio", "colmap", "procthor")


def parse_formats(text: str) -> list[str]:
    """"coco,hf" -> ["coco", "hf"]; "all" -> every format. ConfigError naming the allowed names."""
    names = [t.strip() for t in str(text).split(",") if t.strip()]
    if not names:
        raise ConfigError(f"--to needs a format; allowed: {', '.join(FORMATS)}, all")
    if "all" in names:
        return list(FORMATS)
    bad = [n for n in names if n not in FORMATS]
    if bad:
        raise ConfigError(f"unknown export format {bad[0]!r}; allowed: {', '.join(FORMATS)}, all")
    return list(dict.fromkeys(names))


def export(out: Path, formats: list[str], dest: Path, opts: ExportOptions) -> dict[str, dict]:
    """Export OUT into DEST/<format>/ for each format; returns {format: summary counts}."""
    opts = opts.checked()
    store = Store(out)
    dest = Path(dest)
    if dest.resolve() == store.root.resolve() or store.root.resolve() in dest.resolve().parents:
        raise ConfigError(f"--dest {dest} is inside OUT {out}; exports never write into OUT, give another directory")
    for f in formats:
        if f not in FORMATS:
            raise ConfigError(f"unknown export format {f!r}; allowed: {', '.join(FORMATS)}, all")
        if (dest / f).exists() and not opts.overwrite:
            raise ConfigError(f"{dest / f} exists; use --overwrite to replace it or choose another --dest")
    scenes = store.scenes()
    for sv in scenes:                       # fail early on a missing video variant
        sv.video(opts.variant)
    reg = _registry()
    results = {}
    for f in formats:
        with staged_dir(dest / f, opts.overwrite) as tmp:
            results[f] = reg[f](scenes, tmp, opts)
        log.info("export %s: %s", f, results[f])
    return results


__all__ = ["FORMATS", "ExportOptions", "export", "parse_formats"]
