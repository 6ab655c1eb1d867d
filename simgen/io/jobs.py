"""Commands over whole output directories: `simgen merge` (combine shards) and `simgen status`."""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import time
from pathlib import Path

from simgen.core.errors import ConfigError
from simgen.io.jsonio import dumps, read_jsonl, write_json


def _dataset(path: Path) -> dict:
    try:
        return json.loads((path / "dataset.json").read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        raise ConfigError(f"{path} is not a simgen output directory (no readable dataset.json)") from None


def merge(sources: list[Path], dest: Path, move: bool = False) -> dict:
    """Combine shard outputs of one run into `dest`: scenes, manifest (sorted by scene id), failures.

    Every source must hold the same configuration. Scenes are copied (or moved with move=True);
    a scene id present in two sources is an error. dest is written under a temporary name first."""
    if not sources:
        raise ConfigError("merge needs at least one source directory")
    infos = [_dataset(Path(s)) for s in sources]
    base = infos[0]
    for s, info in zip(sources[1:], infos[1:]):
        if info.get("config") != base.get("config"):
            raise ConfigError(f"{s} holds a different configuration than {sources[0]}; only shards of one run merge")
    dest = Path(dest)
    if dest.exists():
        raise ConfigError(f"--out {dest} exists; give a new directory")
    tmp = dest.with_name(f".tmp-{dest.name}")
    if tmp.exists():
        shutil.rmtree(tmp)
    (tmp / "scenes").mkdir(parents=True)
    rows, fails, seen = [], [], {}
    try:
        for s in map(Path, sources):
            for r in read_jsonl(s / "manifest.jsonl"):
                sid = r["scene_id"]
                if sid in seen:
                    raise ConfigError(f"scene {sid} is in both {seen[sid]} and {s}")
                if not (s / "scenes" / sid).is_dir():
                    continue
                seen[sid] = s
                rows.append(r)
                (shutil.move if move else shutil.copytree)(str(s / "scenes" / sid), str(tmp / "scenes" / sid))
            fails += [f for f in read_jsonl(s / "failures.jsonl") if f.get("scene_id") not in seen]
        rows.sort(key=lambda r: r["scene_id"])
        with open(tmp / "manifest.jsonl", "w", encoding="utf-8") as f:
            f.writelines(dumps(r) + "\n" for r in rows)
        if fails:
            with open(tmp / "failures.jsonl", "w", encoding="utf-8") as f:
                f.writelines(dumps(r) + "\n" for r in sorted(fails, key=lambda r: r["scene_id"]))
        shards = sorted({sh for info in infos for sh in (info.get("shards") or [])})
        write_json(tmp / "dataset.json", {**base, "n_requested": max(i.get("n_requested", 0) for i in infos),
                                          "shards": None, "merged_from": shards or None})
        tmp.rename(dest)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return {"scenes": len(rows), "failures": len(fails)}


def status(out: Path) -> dict:
    """Progress of a running or finished job: done, failed, in progress, rate, running or not."""
    out = Path(out)
    info = _dataset(out)
    rows = read_jsonl(out / "manifest.jsonl")
    fails = read_jsonl(out / "failures.jsonl")
    scenes = out / "scenes"
    in_progress = sorted(p.name for p in scenes.glob(".tmp-*")) if scenes.is_dir() else []
    running = False
    lock = out / ".lock"
    if lock.exists():
        fd = os.open(lock, os.O_RDWR)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            fcntl.flock(fd, fcntl.LOCK_UN)
        except BlockingIOError:
            running = True
        finally:
            os.close(fd)
    n = int(info.get("n_requested", 0))
    shards = info.get("shards")
    if shards and len(shards) == 1:
        i, k = (int(v) for v in shards[0].split("/"))
        n = len(range(i, n, k))
    mtimes = sorted((scenes / r["scene_id"]).stat().st_mtime for r in rows if (scenes / r["scene_id"]).is_dir())
    rate = None
    if len(mtimes) >= 2 and mtimes[-1] > mtimes[0]:
        rate = (len(mtimes) - 1) / (mtimes[-1] - mtimes[0]) * 3600.0
    stage = {}
    for r in rows:
        for k, v in (r.get("timings_s") or {}).items():
            stage[k] = stage.get(k, 0.0) + v
    left = n - len(rows) - len(fails)
    return {"out": str(out), "running": running, "requested": n, "done": len(rows), "failed": len(fails),
            "in_progress": len(in_progress), "left": max(0, left),
            "scenes_per_hour": rate, "eta_s": (left / rate * 3600.0) if rate and left > 0 else None,
            "frames": sum(int(r.get("n_frames") or 0) for r in rows),
            "stage_seconds": {k: round(v, 1) for k, v in sorted(stage.items())},
            "failure_stages": _count(f.get("stage") for f in fails),
            "last_update_s_ago": (time.time() - mtimes[-1]) if mtimes else None}


def _count(values) -> dict:
    out: dict = {}
    for v in values:
        out[v] = out.get(v, 0) + 1
    return out


def format_status(s: dict) -> str:
    lines = [f"{s['out']}: {'RUNNING' if s['running'] else 'not running'}",
             f"  scenes: {s['done']} done, {s['failed']} failed, {s['in_progress']} in progress, "
             f"{s['left']} left of {s['requested']}",
             f"  frames written: {s['frames']}"]
    if s["scenes_per_hour"]:
        eta = f", ETA {s['eta_s'] / 60:.1f} min" if s["eta_s"] else ""
        lines.append(f"  rate: {s['scenes_per_hour']:.1f} scenes/hour{eta}")
    if s["stage_seconds"]:
        lines.append("  time by stage (s): " + ", ".join(f"{k} {v}" for k, v in s["stage_seconds"].items()))
    if s["failure_stages"]:
        lines.append("  failures by stage: " + ", ".join(f"{k} {v}" for k, v in s["failure_stages"].items()))
    return "\n".join(lines)


def add_cli(sub) -> dict:
    m = sub.add_parser("merge", help="combine the outputs of shards (--shard I/K) of one run")
    m.add_argument("sources", nargs="+", type=Path, help="shard output directories")
    m.add_argument("--out", type=Path, required=True, help="the merged output directory (must not exist)")
    m.add_argument("--move", action="store_true", help="move scene directories instead of copying them")
    s = sub.add_parser("status", help="progress, failures and rates of a running or finished run")
    s.add_argument("out", type=Path)
    s.add_argument("--json", action="store_true", help="print JSON instead of text")
    return {"merge": _run_merge, "status": _run_status}


def _run_merge(args) -> int:
    res = merge(args.sources, args.out, move=args.move)
    print(f"merged {res['scenes']} scenes ({res['failures']} failures) into {args.out}")
    return 0


def _run_status(args) -> int:
    s = status(args.out)
    print(json.dumps(s, indent=1) if args.json else format_status(s))
    return 0
