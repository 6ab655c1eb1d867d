"""Writing a scene's per-frame files on a background thread.

PNG compression (Pillow's zlib encoder) and the pipe into the video encoder release the GIL, so a
writer thread overlaps them with the next frame's rendering and annotation; on a 2-core laptop the
renderer leaves part of the second core idle. Jobs run one at a time in submission order, so the
bytes written are exactly those of a sequential loop; the queue is bounded, so memory stays flat
however long the video.
"""

from __future__ import annotations

import queue
import threading
from typing import Callable

_STOP = object()


class BackgroundWriter:
    """Runs `submit(fn, *args)` jobs in order on one thread.

    At most `max_pending` jobs wait in memory (submit blocks beyond that). The first exception a job
    raises is re-raised in the caller by the next `submit` or by `close`; later jobs are skipped. Use as
    a context manager: leaving the block waits for every job (or, when the block raised, stops the
    thread without hiding the block's own exception).
    """

    def __init__(self, max_pending: int = 4, name: str = "simgen-writer"):
        if max_pending < 1:
            raise ValueError("max_pending must be >= 1")
        self._q: queue.Queue = queue.Queue(maxsize=max_pending)
        self._error: BaseException | None = None   # the first job error, until raised in the caller
        self._failed = False                          # once set, queued jobs are skipped
        self._thread = threading.Thread(target=self._loop, name=name, daemon=True)
        self._thread.start()
        self._closed = False

    def _loop(self) -> None:
        while True:
            job = self._q.get()
            try:
                if job is _STOP:
                    return
                if not self._failed:
                    fn, args = job
                    fn(*args)
            except BaseException as exc:  # noqa: BLE001 - handed to the caller thread
                self._failed = True
                self._error = exc
            finally:
                self._q.task_done()

    def _raise_pending(self) -> None:
        if self._error is not None:
            err, self._error = self._error, None
            raise err

    def submit(self, fn: Callable, *args) -> None:
        if self._closed:
            raise RuntimeError("writer is closed")
        self._raise_pending()
        self._q.put((fn, args))

    def close(self) -> None:
        """Wait for every submitted job; raise the first job error, if any."""
        if not self._closed:
            self._closed = True
            self._q.put(_STOP)
            self._thread.join()
        self._raise_pending()

    def __enter__(self) -> "BackgroundWriter":
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            self.close()
            return
        self._failed = True   # skip what is still queued
        if not self._closed:
            self._closed = True
            self._q.put(_STOP)
            self._thread.join()
        self._error = None
