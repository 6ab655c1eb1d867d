import threading
import time

import numpy as np
import pytest

from simgen.annotate.frames import visible_stats
from simgen.io.writer import BackgroundWriter


def test_jobs_run_in_order_on_one_other_thread():
    seen, threads = [], set()

    def job(i):
        time.sleep(0.001 * (i % 3))   # uneven job times must not reorder anything
        seen.append(i)
        threads.add(threading.get_ident())

    with BackgroundWriter(max_pending=2) as bg:
        for i in range(50):
            bg.submit(job, i)
    assert seen == list(range(50))
    assert threads and threading.get_ident() not in threads


def test_a_job_error_reaches_the_caller_and_later_jobs_are_skipped():
    seen = []

    def job(i):
        if i == 3:
            raise OSError("disk full")
        seen.append(i)

    bg = BackgroundWriter(max_pending=1)
    with pytest.raises(OSError, match="disk full"):
        for i in range(100):
            bg.submit(job, i)
        bg.close()
    bg.close()   # the error was handed over once; closing again is quiet
    assert seen == [0, 1, 2]


def test_an_error_in_the_block_is_not_hidden_and_the_thread_stops():
    done = []
    with pytest.raises(KeyError):
        with BackgroundWriter() as bg:
            bg.submit(lambda: (time.sleep(0.05), done.append(1)))
            bg.submit(lambda: done.append(2))
            raise KeyError("render failed")
    assert not bg._thread.is_alive()
    assert 2 not in done or done == [1, 2]


def test_submit_after_close_is_refused():
    bg = BackgroundWriter()
    bg.close()
    with pytest.raises(RuntimeError):
        bg.submit(print)


def _visible_stats_reference(instance):
    out = {}
    for i in np.unique(instance):
        if i == 0:
            continue
        ys, xs = np.nonzero(instance == i)
        out[int(i)] = (len(xs), [int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1])
    return out


def test_visible_stats_counts_and_pixel_edge_boxes():
    rng = np.random.default_rng(3)
    inst = np.zeros((48, 64), np.uint16)
    for _ in range(25):
        y, x = rng.integers(0, 48), rng.integers(0, 64)
        inst[y:y + rng.integers(1, 20), x:x + rng.integers(1, 30)] = rng.integers(1, 40)
    inst[0, 0], inst[47, 63] = 65535, 7   # extreme id, last pixel
    assert visible_stats(inst) == _visible_stats_reference(inst)
    assert visible_stats(np.zeros((4, 4), np.uint16)) == {}
    assert visible_stats(np.full((2, 3), 5, np.uint16)) == {5: (6, [0, 0, 3, 2])}
    # runs are cut at row ends: an id ending one row and starting the next is two runs, not one
    wrap = np.array([[0, 0, 4], [4, 0, 0]], np.uint16)
    assert visible_stats(wrap) == {4: (2, [0, 0, 3, 2])}
    assert visible_stats(np.zeros((0, 5), np.uint16)) == {}
    noisy = rng.integers(0, 6, (31, 17)).astype(np.uint16)   # every pixel its own run, often
    assert visible_stats(noisy) == _visible_stats_reference(noisy)
