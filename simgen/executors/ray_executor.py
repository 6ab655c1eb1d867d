"""`--executor ray [--address auto|HOST:PORT]`: every scene attempt is a Ray task.

Without an address Ray starts a local instance (this machine's cores); with one it joins that
cluster. Ray is an optional extra: `pip install -e ".[ray]"`. Each Ray worker process keeps its own
renderers between tasks (the same module-level cache as local workers). An attempt that exceeds the
per-scene time limit is cancelled (its worker process is killed); a worker that crashes costs that
scene one attempt. Ray's own task retries are off: simgen retries with a derived seed.
"""

from __future__ import annotations

import os
import time

from simgen.core.errors import ConfigError

_REMOTE = None


def _import_ray():
    try:
        import ray
    except ImportError:
        raise ConfigError('--executor ray needs Ray: pip install -e ".[ray]" (or pip install "simgen[ray]")') from None
    return ray


def _remote(ray):
    global _REMOTE
    if _REMOTE is None:
        @ray.remote(num_cpus=1, max_retries=0)
        def simgen_scene(run, scene_id, seed, tmp_dir):
            os.environ.setdefault("PYOPENGL_PLATFORM", "egl")
            from simgen.executors.base import attempt

            return attempt(run, scene_id, seed, tmp_dir)

        _REMOTE = simgen_scene
    return _REMOTE


class RayExecutor:
    def __init__(self, workers: int, scene_timeout_s: float | None, address: str | None = None):
        ray = _import_ray()
        self.ray = ray
        self.timeout = scene_timeout_s
        from simgen.core.settings import usable_cores

        self._started_here = not ray.is_initialized()
        if self._started_here:
            kwargs = {"include_dashboard": False, "log_to_driver": False, "configure_logging": False}
            if address in (None, "local"):
                kwargs["num_cpus"] = max(1, int(workers))
                # llvmpipe threads per worker, as for local workers
                kwargs["runtime_env"] = {"env_vars": {
                    "LP_NUM_THREADS": str(max(1, usable_cores() // max(1, int(workers)))),
                    "PYOPENGL_PLATFORM": os.environ.get("PYOPENGL_PLATFORM", "egl")}}
            else:
                kwargs["address"] = address
            try:
                ray.init(**kwargs)
            except ConnectionError as e:
                raise ConfigError(f"--address {address}: cannot connect to a Ray cluster ({e})") from None
        total = int(ray.cluster_resources().get("CPU", 1))
        self.capacity = max(1, min(int(workers), total)) if address in (None, "local") else max(1, total)
        self._fn = _remote(ray)
        self._running: dict = {}   # ObjectRef -> (key, start time)

    def submit(self, key, run, scene_id: str, seed: int, tmp_dir: str) -> None:
        ref = self._fn.remote(run, scene_id, seed, tmp_dir)
        self._running[ref] = (key, time.monotonic())

    def poll(self, timeout_s: float) -> list:
        ray = self.ray
        out = []
        if not self._running:
            return out
        ready, _ = ray.wait(list(self._running), num_returns=len(self._running), timeout=timeout_s)
        for ref in ready:
            key, _t0 = self._running.pop(ref)
            try:
                out.append((key, ray.get(ref)))
            except ray.exceptions.RayError as e:
                out.append((key, {"error": {"stage": "worker", "reason": f"Ray task failed: {type(e).__name__}"}}))
        now = time.monotonic()
        for ref, (key, t0) in list(self._running.items()):
            if self.timeout is not None and now - t0 > self.timeout:
                ray.cancel(ref, force=True)
                self._running.pop(ref)
                out.append((key, {"error": {"stage": "worker",
                                            "reason": f"time limit of {self.timeout:g} s per scene exceeded"}}))
        return out

    def close(self) -> None:
        for ref in list(self._running):
            self.ray.cancel(ref, force=True)
        self._running.clear()
        if self._started_here:
            self.ray.shutdown()
