"""glibc allocator settings for frame loops of large numpy temporaries (opt-in, process-wide).

Every degraded 640x480 frame allocates a few dozen 1-8 MB temporaries. With glibc's defaults such
blocks are mmap-ed and unmapped again (or the heap top is trimmed back to the system) frame after
frame, so each temporary costs page faults and the kernel's zeroing of its pages. Keeping them in the
heap made the sensor effects 1.3-1.7x and the clean camera 1.2x faster in the benchmark
(docs/degradations.md, Performance). Call `tune_malloc()` once, at process start (the CLI or a worker's
entry point); nothing here runs on import.
"""

from __future__ import annotations

import ctypes
import logging
import sys

log = logging.getLogger(__name__)

M_TRIM_THRESHOLD = -1           # mallopt parameter numbers (glibc malloc.h)
M_MMAP_THRESHOLD = -3


def tune_malloc(mmap_threshold_bytes: int = 64 << 20, trim_threshold_bytes: int = 256 << 20) -> bool:
    """Serve allocations below mmap_threshold_bytes from the heap and keep up to trim_threshold_bytes of
    freed heap top instead of returning it to the system. Same effect as the environment variables
    MALLOC_MMAP_THRESHOLD_ and MALLOC_TRIM_THRESHOLD_ (which glibc reads only at process start).
    Returns False (and changes nothing) where glibc's mallopt is not available."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL("libc.so.6")
        ok = (libc.mallopt(M_MMAP_THRESHOLD, int(mmap_threshold_bytes)) == 1
              and libc.mallopt(M_TRIM_THRESHOLD, int(trim_threshold_bytes)) == 1)
    except (OSError, AttributeError):
        return False
    log.debug("mallopt: mmap threshold %d B, trim threshold %d B: %s", mmap_threshold_bytes,
              trim_threshold_bytes, ok)
    return ok
