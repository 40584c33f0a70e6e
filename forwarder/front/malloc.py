"""One process-wide setting of the C allocator, made by `heap-forward serve` (and `make run`) at start.

glibc gives each thread that allocates at once its own arena (up to 8 per core), and an arena
keeps what its thread freed for that thread to use again. A front reading large uploads on 8
request threads therefore held the peak of each thread at once: under bench/bench_front_load.py's
hostile uploads it reached 303 MB, and 268 MB with nothing but uploads of long names, against
178 MB and 132 MB with the threads sharing two arenas. The request threads hold the interpreter
lock while they allocate, so sharing costs them nothing measurable. Elsewhere (musl, macOS) there
is no such setting, and nothing is done.
"""

from __future__ import annotations

import ctypes

MALLOC_ARENAS = 2
_M_ARENA_MAX = -8  # glibc's malloc.h


def share_malloc_arenas(arenas: int = MALLOC_ARENAS) -> bool:
    """Let at most `arenas` malloc arenas serve every thread started from now on; False where there is no glibc."""
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes, mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
    return bool(mallopt(_M_ARENA_MAX, arenas))
