"""`--executor local`: worker processes on this machine.

Each worker is a spawned process that keeps one set of renderers (its own EGL context) for the whole
run; llvmpipe's threads (LP_NUM_THREADS) are divided among the workers so that they do not fight over
cores. The coordinator can kill a worker: an attempt that exceeds the per-scene time limit, or a
worker that dies (a segfault in a native library, the OOM killer), costs that scene one attempt; a
fresh worker takes its place and the run goes on.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import time
from multiprocessing.connection import wait

from simgen.core.settings import usable_cores


def _worker_main(conn, lp_threads: int) -> None:
    os.environ["LP_NUM_THREADS"] = str(lp_threads)
    os.environ.setdefault("PYOPENGL_PLATFORM", "egl")
    from simgen.executors.base import attempt, close_worker_gl

    try:
        while True:
            task = conn.recv()
            if task is None:
                break
            key, run, scene_id, seed, tmp = task
            conn.send((key, attempt(run, scene_id, seed, tmp)))
    except (EOFError, KeyboardInterrupt):
        pass
    finally:
        close_worker_gl()


class _Worker:
    def __init__(self, ctx, lp_threads: int):
        self.conn, child = ctx.Pipe()
        self.proc = ctx.Process(target=_worker_main, args=(child, lp_threads), daemon=True)
        self.proc.start()
        child.close()
        self.task = None          # key of the running attempt
        self.started = 0.0

    def kill(self) -> None:
        if self.proc.is_alive():
            self.proc.kill()
        self.proc.join(5)
        self.conn.close()


class LocalExecutor:
    """A pool of `workers` killable worker processes; `scene_timeout_s` bounds every attempt."""

    def __init__(self, workers: int, scene_timeout_s: float | None = None):
        self.capacity = max(1, int(workers))
        self.timeout = scene_timeout_s
        self._ctx = mp.get_context("spawn")
        self._lp = max(1, usable_cores() // self.capacity)
        self._workers: list[_Worker] = []
        self._done: list = []

    def _idle(self) -> _Worker:
        for w in self._workers:
            if w.task is None:
                return w
        w = _Worker(self._ctx, self._lp)
        self._workers.append(w)
        return w

    def submit(self, key, run, scene_id: str, seed: int, tmp_dir: str) -> None:
        w = self._idle()
        w.task, w.started = key, time.monotonic()
        w.conn.send((key, run, scene_id, seed, tmp_dir))

    def _replace(self, w: _Worker, reason: str) -> None:
        key = w.task
        w.kill()
        self._workers.remove(w)
        self._done.append((key, {"error": {"stage": "worker", "reason": reason}}))

    def poll(self, timeout_s: float) -> list:
        busy = [w for w in self._workers if w.task is not None]
        if busy and not self._done:
            wait([w.conn for w in busy] + [w.proc.sentinel for w in busy], timeout=timeout_s)
        now = time.monotonic()
        for w in list(busy):
            if w.conn.poll():
                try:
                    key, res = w.conn.recv()
                except (EOFError, OSError):
                    self._replace(w, f"worker process died (exit code {w.proc.exitcode})")
                    continue
                w.task = None
                self._done.append((key, res))
            elif not w.proc.is_alive():
                code = w.proc.exitcode
                what = f"killed by signal {-code}" if code is not None and code < 0 else f"exit code {code}"
                self._replace(w, f"worker process died ({what})")
            elif self.timeout is not None and now - w.started > self.timeout:
                self._replace(w, f"time limit of {self.timeout:g} s per scene exceeded")
        out, self._done = self._done, []
        return out

    def close(self) -> None:
        for w in self._workers:
            try:
                if w.task is None and w.proc.is_alive():
                    w.conn.send(None)
                    w.proc.join(10)
            except (BrokenPipeError, OSError):
                pass
            w.kill()
        self._workers = []
