"""`simgen degrade SCENE_DIR --degrade SPEC --out NEW_DIR`: re-degrade a saved scene without
re-rendering its layout.

The new scene directory is a copy of the saved one (same layout, trajectory, depth, instance ids,
annotations and QA) with a new rgb.mp4 and degradation.json. Only effects that keep every frame's
geometry and index can be re-applied to saved frames: sub-frame effects (motion_blur,
rolling_shutter) need the renderer, lens_distortion moves pixels that frames.jsonl and the QA refer
to, and frame_drop renumbers frames; for those, use `simgen render --degrade`.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from simgen.core.errors import ConfigError

GEOMETRY_EFFECTS = ("motion_blur", "rolling_shutter", "lens_distortion", "frame_drop")


def redegrade(scene_dir: Path, spec_text: str, out_dir: Path, keep_clean: bool = False) -> Path:
    """Write a re-degraded copy of `scene_dir` to `out_dir` (atomically). Returns out_dir."""
    from simgen.core.rng import stage_rng
    from simgen.degradations import parse_degrade
    from simgen.degradations.stream import degrade_saved_scene
    from simgen.io.jsonio import write_json

    scene_dir, out_dir = Path(scene_dir), Path(out_dir)
    if not (scene_dir / "scene.json").is_file():
        raise ConfigError(f"{scene_dir} is not a simgen scene directory (no scene.json)")
    if out_dir.exists():
        raise ConfigError(f"--out {out_dir} exists; give a new directory for the re-degraded scene")
    spec = parse_degrade(spec_text)
    bad = [n for n in spec.names() if n in GEOMETRY_EFFECTS]
    if bad:
        raise ConfigError(f"{', '.join(bad)} cannot be applied to saved frames (allowed here: effects that keep "
                          f"pixel geometry and frame indices); use simgen render --degrade")
    scene = json.loads((scene_dir / "scene.json").read_text())
    tmp = out_dir.with_name(f".tmp-{out_dir.name}")
    if tmp.exists():
        shutil.rmtree(tmp)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    shutil.copytree(scene_dir, tmp, ignore=shutil.ignore_patterns("rgb.mp4", "rgb_clean.mp4", "degradation.json"))
    try:
        source = scene_dir / ("rgb_clean.mp4" if (scene_dir / "rgb_clean.mp4").is_file() else "rgb.mp4")
        if keep_clean:
            shutil.copyfile(source, tmp / "rgb_clean.mp4")
        # the re-degradation stream is derived from the scene seed and the spec, so it is reproducible
        rng = stage_rng(int(scene["seed"]), f"degradation:{spec.source}")
        dg, frames = degrade_saved_scene(scene_dir, spec, rng, tmp / "rgb.mp4")
        for _ in frames:
            pass
        write_json(tmp / "degradation.json", {"scene_id": scene.get("scene_id"), "seed": scene.get("seed"),
                                              "source": str(scene_dir), **dg.last_record})
        tmp.rename(out_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return out_dir


def add_cli(sub) -> dict:
    p = sub.add_parser("degrade", help="re-degrade a saved scene into a new scene directory")
    p.add_argument("scene_dir", type=Path, help="a finished scene directory (OUT/scenes/<id>)")
    p.add_argument("--degrade", required=True, metavar="NAME[:LEVEL],...", help="effects or presets")
    p.add_argument("--out", type=Path, required=True, help="the new scene directory (must not exist)")
    p.add_argument("--keep-clean", action="store_true", help="also write the clean video rgb_clean.mp4")
    return {"degrade": _run}


def _run(args) -> int:
    redegrade(args.scene_dir, args.degrade, args.out, keep_clean=args.keep_clean)
    return 0
