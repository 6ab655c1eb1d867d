"""Subcommands `simgen export`, `simgen validate` and `simgen card` (wired by simgen.cli EXTENSIONS)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from simgen.core.errors import ConfigError


def add_cli(sub) -> dict:
    from simgen.io.export import FORMATS
    from simgen.io.export.base import IMAGE_FORMATS
    from simgen.io.export.qa_text import ANSWER_MODES
    from simgen.io.export.store import FRAME_BUDGETS, VARIANTS

    e = sub.add_parser("export", help="convert an output directory into trainer formats under --dest")
    e.add_argument("out", type=Path, help="the --out directory of `simgen render` (read only)")
    e.add_argument("--to", required=True, metavar="FORMAT[,FORMAT]",
                   help=f"formats: {', '.join(FORMATS)}, or all")
    e.add_argument("--dest", required=True, type=Path, help="directory to write DEST/<format>/ into (not inside OUT)")
    e.add_argument("--variant", default="delivered", metavar="|".join(VARIANTS),
                   help="video to export: delivered rgb.mp4 (default), clean or degraded")
    e.add_argument("--frames", default="all", metavar="|".join(FRAME_BUDGETS),
                   help="keep QA items answerable from this many uniformly sampled frames (default: all)")
    e.add_argument("--answer-mode", default="mc_direct", metavar="|".join(ANSWER_MODES),
                   help="mc_direct: VSI-Bench mix (default); mc: all multiple choice; open: no options")
    e.add_argument("--media-token", default=None, help="placeholder in prompts (default: <image> for "
                   "llava-video, <video> for qwen-vl, llamafactory, verl; none in hf)")
    e.add_argument("--image-format", default="png", metavar="|".join(IMAGE_FORMATS),
                   help="frames decoded from rgb.mp4 for coco, bop, nerfstudio, colmap (default: png)")
    e.add_argument("--shard-size-mb", type=float, default=256.0, help="webdataset / hf shard size (default: 256)")
    e.add_argument("--points-per-frame", type=int, default=2000, help="colmap/nerfstudio depth points per frame")
    e.add_argument("--name", default="simgen", help="dataset name used in files and ids (default: simgen)")
    e.add_argument("--overwrite", action="store_true", help="replace DEST/<format> if it exists")
    e.add_argument("--quiet", action="store_true", help="no progress bars")

    v = sub.add_parser("validate", help="check an output directory against the contract; exit 1 if anything is wrong")
    v.add_argument("out", type=Path)
    v.add_argument("--max-problems", type=int, default=20, help="problems listed in the report (default: 20)")
    v.add_argument("--json", type=Path, default=None, metavar="FILE", help="also write the full report as JSON")
    v.add_argument("--no-qa", action="store_true", help="skip re-deriving QA answers")
    v.add_argument("--quiet", action="store_true", help="no progress bar")

    c = sub.add_parser("card", help="write a dataset card: OUT/README.md and OUT/dataset_card.json "
                       "(the only files simgen writes into OUT after rendering)")
    c.add_argument("out", type=Path)
    return {"export": run_export, "validate": run_validate, "card": run_card}


def run_export(args) -> int:
    from simgen.io.export import ExportOptions, export, parse_formats

    formats = parse_formats(args.to)
    opts = ExportOptions(variant=args.variant, frames=args.frames, answer_mode=args.answer_mode,
                         media_token=args.media_token, shard_size_mb=args.shard_size_mb,
                         image_format=args.image_format, points_per_frame=args.points_per_frame,
                         dataset_name=args.name, overwrite=args.overwrite, progress=not args.quiet)
    res = export(args.out, formats, args.dest, opts)
    for f, summary in res.items():
        print(f"{f}: {args.dest / f} " + " ".join(f"{k}={v}" for k, v in summary.items()))
    return 0


def run_validate(args) -> int:
    from simgen.io.validate import format_report, validate

    if args.max_problems < 1:
        raise ConfigError(f"--max-problems must be >= 1, got {args.max_problems}")
    rep = validate(args.out, check_qa=not args.no_qa, progress=not args.quiet)
    print(format_report(rep, args.max_problems))
    if args.json:
        args.json.write_text(json.dumps(rep.to_dict(), indent=1) + "\n", encoding="utf-8")
    return 0 if rep.ok else 1


def run_card(args) -> int:
    from simgen.io.card import write_card

    paths = write_card(args.out)
    print("wrote " + ", ".join(str(p) for p in paths), file=sys.stdout)
    return 0
