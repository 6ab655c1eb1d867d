"""The batch loop shared by every executor: which scenes to run, retries with derived seeds,
failures, atomic commits and the manifest. Executors only run attempts somewhere.

An executor implements:
    capacity -> int                              attempts it can run at once
    submit(key, run, scene_id, seed, tmp_dir)    start one attempt
    poll(timeout_s) -> [(key, result dict)]      finished attempts; result has "error" on failure
    close()
and enforces the per-attempt time limit itself (a timed-out attempt returns an error result).
"""

from __future__ import annotations

import logging
import shutil
import traceback
from dataclasses import dataclass
from pathlib import Path

from simgen import __version__
from simgen.core.errors import ConfigError, RejectedScene
from simgen.core.rng import scene_seed
from simgen.core.settings import RunConfig
from simgen.io.output import OutputDir

log = logging.getLogger("simgen.executors")

_WORKER_GL = None   # one set of renderers per worker process, kept for the whole run


def attempt(run: RunConfig, scene_id: str, seed: int, tmp_dir: str) -> dict:
    """One attempt at one scene, in whatever process runs it; never raises: errors come back as data."""
    global _WORKER_GL
    from simgen.pipeline import Renderers, run_scene

    try:
        size = (run.camera.width, run.camera.height)
        if _WORKER_GL is not None and (_WORKER_GL.size != size or _WORKER_GL.backend != run.backend):
            _WORKER_GL.__exit__(None, None, None)
            _WORKER_GL = None
        if _WORKER_GL is None:
            gl = Renderers(*size, backend=run.backend)
            gl.__enter__()
            _WORKER_GL = gl
        return run_scene(run, scene_id, seed, Path(tmp_dir), _WORKER_GL)
    except RejectedScene as e:
        return {"error": {"stage": e.stage, "reason": e.reason}}
    except Exception as e:  # noqa: BLE001 - a scene's failure must never abort the batch
        tb = traceback.extract_tb(e.__traceback__)
        where = f"{Path(tb[-1].filename).name}:{tb[-1].lineno}" if tb else "?"
        return {"error": {"stage": _stage_of(tb), "reason": f"{type(e).__name__}: {e} (at {where})"}}


def close_worker_gl() -> None:
    global _WORKER_GL
    if _WORKER_GL is not None:
        _WORKER_GL.__exit__(None, None, None)
        _WORKER_GL = None


def _stage_of(tb) -> str:
    """The simgen subpackage (scenes, cameras, render, ...) where an exception was raised."""
    for frame in reversed(tb):
        parts = Path(frame.filename).parts
        if "simgen" in parts:
            i = len(parts) - 1 - parts[::-1].index("simgen")
            if i + 1 < len(parts) - 1:
                return parts[i + 1]
    return "pipeline"


def parse_shard(text: str | None) -> tuple[int, int] | None:
    """"I/K" -> (I, K) with 0 <= I < K; shard I renders the scene indices i with i % K == I."""
    if text is None:
        return None
    try:
        i, k = (int(v) for v in text.split("/"))
    except ValueError:
        raise ConfigError(f"--shard must be I/K with integers 0 <= I < K, got {text!r}") from None
    if not (k >= 1 and 0 <= i < k):
        raise ConfigError(f"--shard must be I/K with integers 0 <= I < K, got {text!r}")
    return i, k


@dataclass
class BatchResult:
    done: int
    failed: int
    skipped: int


def run_batch(run: RunConfig, out: Path, executor, *, overwrite: bool = False, retry_failed: bool = False,
              shard: tuple[int, int] | None = None, progress: bool = True, executor_name: str = "local") -> BatchResult:
    """Render the scenes of `run` (or of one shard) into OUT, resuming what an identical run finished."""
    from tqdm import tqdm

    OutputDir.check_writable(out)
    with OutputDir(out) as od:
        if overwrite:
            od.clear()
        config = run.to_dict()
        config.pop("n")            # --n may grow on resume; dataset.json has n_requested
        od.start(config, __version__, run.n, shard=shard)
        finished, failed = od.recover()
        ids = [f"{i:06d}" for i in range(run.n)]
        mine = [i for i in range(run.n) if shard is None or i % shard[1] == shard[0]]
        todo = [i for i in mine if ids[i] not in finished and (retry_failed or ids[i] not in failed)]
        bar = tqdm(total=len(mine), initial=len(mine) - len(todo), unit="scene", disable=not progress,
                   dynamic_ncols=True, desc=f"simgen render ({executor_name})")
        counts = {"done": 0, "failed": 0}
        errors: dict[int, list] = {}
        queue = [(i, 0) for i in todo]
        running: dict[tuple[int, int], Path] = {}
        try:
            while queue or running:
                while queue and len(running) < executor.capacity:
                    index, att = queue.pop(0)
                    tmp = od.temp_scene_dir(ids[index])
                    running[(index, att)] = tmp
                    executor.submit((index, att), run, ids[index], scene_seed(run.seed, index, att), str(tmp))
                for (index, att), res in executor.poll(0.5):
                    tmp = running.pop((index, att))
                    sid = ids[index]
                    if "error" not in res:
                        od.commit_scene(tmp, sid, {**res, "attempt": att})
                        log.info("scene %s done (%d objects, coverage %.2f)", sid, res["n_objects"], res["coverage"])
                        counts["done"] += 1
                        bar.update(1)
                        continue
                    shutil.rmtree(tmp, ignore_errors=True)
                    err = res["error"]
                    log.warning("scene %s attempt %d failed in %s: %s", sid, att, err["stage"], err["reason"])
                    errors.setdefault(index, []).append({"attempt": att, "seed": scene_seed(run.seed, index, att), **err})
                    if att < run.retries:
                        queue.insert(0, (index, att + 1))
                    else:
                        od.record_failure({"scene_id": sid, "seed": scene_seed(run.seed, index, 0),
                                           "stage": err["stage"], "reason": err["reason"],
                                           "attempts": errors.pop(index)})
                        counts["failed"] += 1
                        bar.update(1)
        finally:
            executor.close()
            bar.close()
        return BatchResult(done=counts["done"], failed=counts["failed"], skipped=len(mine) - len(todo))
