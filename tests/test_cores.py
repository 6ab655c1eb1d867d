import os

import numpy as np
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


@pytest.mark.slow
def test_reference_scaling_runs_both_jobs_alone_and_in_pairs():
    """bench throughput's machine reference: each job alone and two at once, in separate processes."""
    from simgen.bench import reference_scaling

    res = reference_scaling(160, 120, frames=4, kernel_n=1, lead_s=1.0)
    assert set(res) == {"render", "python"}
    for v in res.values():
        assert v["wall_1_s"] > 0 and v["wall_2_s"] > 0
        # tiny jobs beside the rest of the test suite: the ratio is noise here, only its definition is tested
        assert v["scaling"] > 0 and np.isclose(v["scaling"], 2 * v["wall_1_s"] / v["wall_2_s"])
