"""Run a batch of scenes: in this process (workers = 1) or on a pool of worker processes.

Each worker process owns one renderer (its own EGL context) for the whole run, and llvmpipe's
thread count is divided among the workers so they do not fight over cores. A scene that raises is
retried with a derived seed; after `retries` retries it is recorded in failures.jsonl. A worker
process that dies (e.g. a segfault in a native library) costs that scene one attempt; the pool is
rebuilt and the run goes on.
"""

from __future__ import annotations

import concurrent.futures as cf
import logging
import multiprocessing as mp
import os
import traceback
from dataclasses import dataclass
from pathlib import Path

from simgen import __version__
from simgen.core.errors import RejectedScene
from simgen.core.rng import scene_seed
from simgen.core.settings import RunConfig
from simgen.io.output import OutputDir

log = logging.getLogger(__name__)

_WORKER_RENDERER = None


def _open_renderer(width: int, height: int):
    from simgen.pipeline import Renderers

    r = Renderers(width, height)
    r.__enter__()
    return r


def _worker_init(lp_threads: int) -> None:
    os.environ["LP_NUM_THREADS"] = str(lp_threads)
    os.environ.setdefault("PYOPENGL_PLATFORM", "egl")


def _attempt(run: RunConfig, scene_id: str, seed: int, tmp_dir: str) -> dict:
    """One attempt at one scene; never raises: errors come back as {"error": ...}."""
    global _WORKER_RENDERER
    from simgen.pipeline import run_scene

    try:
        if _WORKER_RENDERER is None:
            _WORKER_RENDERER = _open_renderer(run.camera.width, run.camera.height)
        return run_scene(run, scene_id, seed, Path(tmp_dir), _WORKER_RENDERER)
    except RejectedScene as e:
        return {"error": {"stage": e.stage, "reason": e.reason}}
    except Exception as e:  # noqa: BLE001 - a scene's failure must never abort the batch
        tb = traceback.extract_tb(e.__traceback__)
        where = f"{Path(tb[-1].filename).name}:{tb[-1].lineno}" if tb else "?"
        stage = _stage_of(tb)
        return {"error": {"stage": stage, "reason": f"{type(e).__name__}: {e} (at {where})"}}


def _stage_of(tb) -> str:
    for frame in reversed(tb):
        parts = Path(frame.filename).parts
        if "simgen" in parts:
            i = len(parts) - 1 - parts[::-1].index("simgen")
            if i + 1 < len(parts) - 1:
                return parts[i + 1]
    return "pipeline"


@dataclass
class BatchResult:
    done: int
    failed: int
    skipped: int


def _close_worker_renderer():
    global _WORKER_RENDERER
    if _WORKER_RENDERER is not None:
        _WORKER_RENDERER.__exit__(None, None, None)
        _WORKER_RENDERER = None


def run_batch(run: RunConfig, out: Path, *, workers: int = 1, overwrite: bool = False,
              retry_failed: bool = False, progress: bool = True) -> BatchResult:
    """Render scenes 0..n-1 of `run` into OUT, resuming what a previous identical run finished."""
    from tqdm import tqdm

    OutputDir.check_writable(out)
    with OutputDir(out) as od:
        if overwrite:
            od.clear()
        config = run.to_dict()
        config.pop("n")            # --n may grow on resume; dataset.json has n_requested
        od.start(config, __version__, run.n)
        finished, failed = od.recover()
        ids = [f"{i:06d}" for i in range(run.n)]
        todo = [i for i, sid in enumerate(ids) if sid not in finished and (retry_failed or sid not in failed)]
        skipped = len(ids) - len(todo)
        bar = tqdm(total=run.n, initial=run.n - len(todo), unit="scene", disable=not progress,
                   dynamic_ncols=True, desc="simgen render")
        counts = {"done": 0, "failed": 0}

        def finish(index: int, attempt: int, tmp: Path, result: dict, pending: dict) -> None:
            sid = ids[index]
            if "error" in result:
                import shutil

                shutil.rmtree(tmp, ignore_errors=True)
                err = result["error"]
                log.warning("scene %s attempt %d failed in %s: %s", sid, attempt, err["stage"], err["reason"])
                errors = pending.setdefault(index, [])
                errors.append({"attempt": attempt, "seed": scene_seed(run.seed, index, attempt), **err})
                if attempt < run.retries:
                    return submit(index, attempt + 1)
                od.record_failure({"scene_id": sid, "seed": scene_seed(run.seed, index, 0),
                                   "stage": err["stage"], "reason": err["reason"], "attempts": errors})
                counts["failed"] += 1
                bar.update(1)
                return None
            od.commit_scene(tmp, sid, {**result, "attempt": attempt})
            log.info("scene %s done (%d objects, coverage %.2f)", sid, result["n_objects"], result["coverage"])
            counts["done"] += 1
            bar.update(1)
            return None

        pending_errors: dict[int, list] = {}
        if workers <= 1:
            queue = [(i, 0) for i in todo]

            def submit(index, attempt):
                queue.append((index, attempt))

            try:
                while queue:
                    index, attempt = queue.pop(0)
                    tmp = od.temp_scene_dir(ids[index])
                    res = _attempt(run, ids[index], scene_seed(run.seed, index, attempt), str(tmp))
                    finish(index, attempt, tmp, res, pending_errors)
            finally:
                _close_worker_renderer()
        else:
            lp = max(1, (os.cpu_count() or 1) // workers)
            ctx = mp.get_context("spawn")
            futures: dict = {}
            pool = cf.ProcessPoolExecutor(max_workers=workers, mp_context=ctx, initializer=_worker_init,
                                          initargs=(lp,))

            def submit(index, attempt):
                tmp = od.temp_scene_dir(ids[index])
                fut = pool.submit(_attempt, run, ids[index], scene_seed(run.seed, index, attempt), str(tmp))
                futures[fut] = (index, attempt, tmp)

            try:
                for i in todo:
                    submit(i, 0)
                while futures:
                    done, _ = cf.wait(list(futures), return_when=cf.FIRST_COMPLETED)
                    for fut in done:
                        index, attempt, tmp = futures.pop(fut)
                        try:
                            res = fut.result()
                        except cf.process.BrokenProcessPool:
                            res = {"error": {"stage": "worker", "reason": "worker process died"}}
                            pool.shutdown(wait=False, cancel_futures=True)
                            lost = list(futures.items())
                            futures.clear()
                            pool = cf.ProcessPoolExecutor(max_workers=workers, mp_context=ctx,
                                                          initializer=_worker_init, initargs=(lp,))
                            for _f, (i2, a2, _t) in lost:
                                submit(i2, a2)
                        finish(index, attempt, tmp, res, pending_errors)
            finally:
                pool.shutdown(wait=True, cancel_futures=True)
        bar.close()
        return BatchResult(done=counts["done"], failed=counts["failed"], skipped=skipped)
