"""Executors: where scene attempts run (local worker processes, Ray). The batch logic is shared."""

from simgen.executors.base import BatchResult, parse_shard, run_batch

__all__ = ["BatchResult", "parse_shard", "run_batch", "make_executor"]


def make_executor(name: str, workers: int, scene_timeout_s: float | None, address: str | None = None):
    """The executor called `name` ("local" or "ray")."""
    if name == "local":
        from simgen.executors.local import LocalExecutor

        return LocalExecutor(workers, scene_timeout_s)
    from simgen.executors.ray_executor import RayExecutor

    return RayExecutor(workers, scene_timeout_s, address=address)
