import os

import pytest

from simgen.core.settings import usable_cores
from simgen.executors.local import LocalExecutor

pytestmark = pytest.mark.skipif(not hasattr(os, "sched_getaffinity"), reason="no CPU affinity API")


def test_workers_auto_and_llvmpipe_threads_follow_the_cpu_affinity():
    allowed = os.sched_getaffinity(0)
    assert usable_cores() == len(allowed)
    try:
        os.sched_setaffinity(0, {min(allowed)})   # as under `taskset -c N` or a 1-CPU SLURM allocation
        assert usable_cores() == 1
        assert LocalExecutor(1)._lp == 1
        from simgen.cli import _workers

        assert _workers("auto") == 1
    finally:
        os.sched_setaffinity(0, allowed)
    assert LocalExecutor(1)._lp == len(allowed)
    assert LocalExecutor(len(allowed))._lp == 1
