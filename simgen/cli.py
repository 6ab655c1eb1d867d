"""The `simgen` command. Turns SimgenErrors and bad options into one-line messages with exit code 2."""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from pathlib import Path

from simgen import __version__
from simgen.core.errors import ConfigError, RenderError, SimgenError

COMPLEXITIES = ("low", "medium", "high", "extreme")
# modules that add subcommands: each has add_cli(subparsers) -> {command: handler(args) -> exit code}
EXTENSIONS = ("simgen.preview", "simgen.assets.gallery", "simgen.redegrade", "simgen.io.jobs", "simgen.sweep",
              "simgen.io.export.cli", "simgen.scenes.topdown",
              "simgen.annotate.qa_stats", "simgen.report.html", "simgen.report.gallery")
HANDLERS: dict = {}
EXIT_BAD_INPUT = 2


class _Parser(argparse.ArgumentParser):
    """argparse with one-line errors (no usage dump)."""

    def error(self, message):
        self.exit(EXIT_BAD_INPUT, f"simgen: error: {message}\n")


def _number(what: str, cast, ok, noun: str):
    """An argparse type: `cast` the text, then require `ok(value)`; errors say `what must be <noun>`."""
    def parse(text: str):
        try:
            v = cast(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{what} must be {noun}, got {text!r}") from None
        if not ok(v):
            raise argparse.ArgumentTypeError(f"{what} must be {noun}, got {v if cast is int else repr(text)}")
        return v
    return parse


def _positive_int(what: str):
    return _number(what, int, lambda v: v >= 1, "a positive integer")


def _nonneg_int(what: str):
    return _number(what, int, lambda v: v >= 0, "an integer >= 0")


def _positive_float(what: str):
    return _number(what, float, lambda v: v > 0, "a positive number")


def _resolution(text: str) -> tuple[int, int]:
    try:
        w, h = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"--resolution must be WxH (e.g. 640x480), got {text!r}") from None
    if not (16 <= w <= 8192 and 16 <= h <= 8192):
        raise argparse.ArgumentTypeError(f"--resolution must be WxH with 16..8192 each, got {text!r}")
    return w, h


def _fps(text: str) -> float:
    try:
        v = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"--fps must be a number in (0, 240], got {text!r}") from None
    if not (0 < v <= 240):
        raise argparse.ArgumentTypeError(f"--fps must be a number in (0, 240], got {text!r}")
    return v


def _workers(text) -> int:
    if text == "auto":
        from simgen.core.settings import usable_cores

        return usable_cores()
    return _positive_int("--workers")(text)


def _complexity(text: str) -> str:
    if text not in COMPLEXITIES:
        raise argparse.ArgumentTypeError(f"unknown complexity {text!r}; allowed: {', '.join(COMPLEXITIES)}")
    return text


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="simgen", description="Procedural indoor scenes, egocentric videos and exact ground truth.")
    p.add_argument("--version", action="version", version=f"simgen {__version__}")
    sub = p.add_subparsers(dest="command", parser_class=_Parser)

    r = sub.add_parser("render", help="generate and render scenes into an output directory")
    _add_run_options(r)
    r.add_argument("--n", type=_positive_int("--n"), default=None, help="number of scenes (default: 1)")
    r.add_argument("--house", metavar="FILE|DIR", default=None,
                   help="render ProcTHOR house(s) (a .json, .jsonl[.gz] or a folder of them) with simgen's own "
                        "assets, one scene per house; see docs/ai2thor.md")
    r.add_argument("--out", type=Path, default=Path("out"), help="output directory (default: out)")
    r.add_argument("--workers", type=_workers, default="auto", metavar="N|auto",
                   help="worker processes (default: auto = one per core)")
    r.add_argument("--executor", choices=("local", "ray"), default="local",
                   help="local worker processes (default) or Ray tasks")
    r.add_argument("--address", default=None, metavar="auto|HOST:PORT",
                   help="with --executor ray: the cluster to join (default: start a local Ray)")
    r.add_argument("--shard", default=None, metavar="I/K",
                   help="render only scene indices i with i %% K == I (0 <= I < K), e.g. for SLURM arrays; "
                        "combine shard outputs with simgen merge")
    r.add_argument("--scene-timeout", type=_positive_float("--scene-timeout"), default=1800.0, metavar="SECONDS",
                   help="time limit per scene attempt; a scene over it is retried (default: 1800)")
    r.add_argument("--retries", type=_nonneg_int("--retries"), default=2,
                   help="retries with a derived seed before a scene is recorded as failed (default: 2)")
    mode = r.add_mutually_exclusive_group()
    mode.add_argument("--overwrite", action="store_true", help="discard what OUT holds and start over")
    mode.add_argument("--resume", action="store_true", help="finish an interrupted run (the default)")
    r.add_argument("--retry-failed", action="store_true", help="on resume, try the scenes in failures.jsonl again")
    r.add_argument("--quiet", action="store_true", help="no progress bar; log lines only")

    b = sub.add_parser("bench", help="measure speed on this machine (see docs/benchmarks.md)")
    b.add_argument("what", nargs="?", default="pipeline", choices=("pipeline", "throughput", "memory", "layout", "trajectory"),
                   help="pipeline: seconds per scene and stage vs a bare render loop (default); "
                        "throughput: whole batches at 1 and 2 workers; memory: peak RSS at 64 vs 512 frames; "
                        "layout: solve time and constraint figures over --repeats seeds (layout only); "
                        "trajectory: camera planner over --repeats scenes vs orbit/random_walk baselines")
    _add_run_options(b)
    b.add_argument("--repeats", type=_positive_int("--repeats"), default=3,
                   help="scenes to time; the median is reported (default: 3)")
    b.add_argument("--json", type=Path, default=None, metavar="FILE", help="also write the figures as JSON")
    b.add_argument("--quiet", action="store_true", help="no progress bar")
    b.add_argument("--bound", action="store_true",
                   help="trajectory: also bound coverage by an exhaustive search of single poses for every "
                        "object the walk left uncovered (slower; see docs/trajectory.md)")

    for module in EXTENSIONS:   # commands that live beside the modules they drive
        HANDLERS.update(importlib.import_module(module).add_cli(sub))
    return p


def _add_run_options(r) -> None:
    """Options that define what a scene is (shared by render and bench)."""
    src = r.add_mutually_exclusive_group()
    src.add_argument("--complexity", type=_complexity, default=None,
                     help="scene preset: low, medium, high or extreme (default: low)")
    src.add_argument("--scene", metavar="FILE", help="a scene preset TOML file of your own")
    r.add_argument("--camera", default="egocentric", metavar="NAME|FILE",
                   help="camera preset name in cameras/ or a TOML file (default: egocentric)")
    r.add_argument("--seed", type=_nonneg_int("--seed"), default=0, help="run seed (default: 0)")
    r.add_argument("--frames", type=_positive_int("--frames"), default=None,
                   help="frames per video, spread over the whole walk (default: the whole walk at --fps)")
    r.add_argument("--fps", type=_fps, default=None, help="frames per second of the video")
    r.add_argument("--resolution", type=_resolution, default=None, metavar="WxH", help="image size, e.g. 640x480")
    r.add_argument("--set", dest="sets", action="append", default=[], metavar="KEY=VALUE",
                   help="override a preset field, e.g. --set scene.objects_per_room=8 --set camera.hfov_deg=90")
    r.add_argument("--degrade", default="clean", metavar="NAME[:LEVEL],...",
                   help="camera/scene degradations: effects (fog:3, low_light:2, ...) or presets in "
                        "degradations/ (default: clean); see docs/degradations.md")
    r.add_argument("--keep-clean", action="store_true",
                   help="with --degrade, also write the clean video rgb_clean.mp4")
    r.add_argument("--dynamics", metavar="PRESET", default=None,
                   help="opt-in dynamic scenes: a preset in scenes/dynamics/ (default, ball, all) or a TOML file; "
                        "see docs/dynamics.md")
    r.add_argument("--flow", action="store_true",
                   help="also write forward optical flow flow/%%06d.png (KITTI 16-bit; see docs/format.md)")
    r.add_argument("--backend", default="pyrender", choices=("pyrender", "ai2thor"),
                   help="renderer: pyrender (default, headless EGL) or ai2thor (needs AI2-THOR and its Unity "
                        "build; see docs/ai2thor.md)")


def _run_config(args, n: int, house: str | None = None):
    from simgen.core.settings import build_run_config

    cam_over = {}
    if args.frames is not None:
        cam_over["frames"] = args.frames
    if args.fps is not None:
        cam_over["fps"] = args.fps
    if args.resolution is not None:
        cam_over["width"], cam_over["height"] = args.resolution
    scene = args.scene if args.scene else (args.complexity or "low")
    return build_run_config(scene=scene, camera=args.camera, seed=args.seed, n=n, sets=args.sets,
                            camera_overrides=cam_over, retries=getattr(args, "retries", 2),
                            degrade=args.degrade, keep_clean=args.keep_clean, dynamics=args.dynamics,
                            flow=args.flow, house=house, backend=args.backend)


def _cmd_render(args) -> int:
    from simgen.executors import make_executor, parse_shard, run_batch
    from simgen.io.output import OutputDir
    from simgen.render import check_egl

    house = None
    n = args.n if args.n is not None else 1
    if args.house is not None:   # one scene per house, in file order
        from simgen.interop import load_houses

        house = str(Path(args.house).resolve())
        n = len(load_houses(house))
        if args.n is not None and args.n != n:
            raise ConfigError(f"--house {args.house} holds {n} houses; leave out --n or give --n {n}")
    run = _run_config(args, n, house)
    shard = parse_shard(args.shard)
    if args.address is not None and args.executor != "ray":
        raise ConfigError("--address goes with --executor ray")
    OutputDir.check_writable(args.out)
    if args.executor == "local":
        check_egl()   # a missing GL stack is one clear line here, not a failure per scene
    if run.backend == "ai2thor":   # no ai2thor package or no Unity build: one clear line, before any scene
        from simgen.interop.thor_backend import ThorRenderer

        ThorRenderer(run.camera.width, run.camera.height).open()
    executor = make_executor(args.executor, args.workers, args.scene_timeout, address=args.address)
    res = run_batch(run, args.out, executor, overwrite=args.overwrite, retry_failed=args.retry_failed,
                    shard=shard, progress=not args.quiet, executor_name=args.executor)
    logging.getLogger("simgen").info("%d scenes rendered, %d failed, %d already present in %s",
                                     res.done, res.failed, res.skipped, args.out)
    return 0 if res.failed == 0 else 1


def _cmd_bench(args) -> int:
    import json

    from simgen.bench import bench_scenes, format_report, reference_render_ms
    from simgen.render import check_egl

    from simgen.bench import bench_memory, bench_throughput, format_throughput

    run = _run_config(args, args.repeats)
    check_egl()
    line = "simgen bench " + " ".join(sys.argv[2:]) if len(sys.argv) > 2 else "simgen bench"
    if args.what == "layout":
        from simgen.scenes.bench import bench_layout, format_layout_report

        from simgen.cameras.trajectory import PLAN_MARGIN_M

        res = bench_layout(run.scene, args.repeats, run_seed=run.seed, progress=not args.quiet,
                           camera_clearance_m=run.camera.clearance_m + PLAN_MARGIN_M, camera=run.camera)
        print(f"command: {line}\n" + format_layout_report(res))
    elif args.what == "trajectory":
        from simgen.cameras.bench import bench_trajectory, cameras_for_bench, format_trajectory_report

        same = {k: getattr(run.camera, k) for k in ("width", "height", "fps", "frames")}
        cams = {run.camera_preset: run.camera,
                **cameras_for_bench([n for n in ("orbit", "random_walk") if n != run.camera_preset], same)}
        res = bench_trajectory(run.scene, cams, args.repeats, run_seed=run.seed,
                               wall_thickness_m=run.scene.wall_thickness_m, progress=not args.quiet,
                               bound=args.bound)
        print(f"command: {line}\n" + format_trajectory_report(res))
    elif args.what == "throughput":
        res = bench_throughput(run, args.repeats, progress=not args.quiet)
        print(f"command: {line}\n" + format_throughput(res))
    elif args.what == "memory":
        cam_over = {k: v for k, v in {"fps": args.fps, "width": (args.resolution or (None, None))[0],
                                      "height": (args.resolution or (None, None))[1]}.items() if v is not None}
        res = bench_memory(args.scene or args.complexity or "low", args.camera, args.seed, args.sets, cam_over)
        print(f"command: {line}\npeak RSS of one worker: " + ", ".join(
            f"{n} frames {mb:.0f} MB" for n, mb in res["max_rss_mb_by_frames"].items()))
    else:
        base_ms = reference_render_ms(run.camera.width, run.camera.height)
        res = {"baseline_ms_per_frame": base_ms, **bench_scenes(run, repeats=args.repeats, progress=not args.quiet)}
        print(format_report(res, base_ms, line))
    if args.json:
        args.json.write_text(json.dumps(res, indent=1) + "\n")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s",
                        stream=sys.stderr)
    logging.getLogger("simgen").setLevel(logging.INFO if getattr(args, "quiet", False) else logging.WARNING)
    if args.command is None:
        parser.print_help()
        return EXIT_BAD_INPUT
    try:
        handlers = {"render": _cmd_render, "bench": _cmd_bench, **HANDLERS}
        return handlers[args.command](args)
    except ConfigError as e:
        print(f"simgen: error: {e}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except RenderError as e:
        print(f"simgen: error: {e}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except SimgenError as e:
        print(f"simgen: error: {e}", file=sys.stderr)
        return 1
    except BrokenPipeError:            # output piped into `head` and the like
        import os as _os

        _os.dup2(_os.open(_os.devnull, _os.O_WRONLY), sys.stdout.fileno())
        return 0
    except KeyboardInterrupt:
        print("simgen: interrupted; run the same command again to resume", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
