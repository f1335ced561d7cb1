"""BLAS's threads: held at one thread for networks too small to gain from more.

skmlp runs no threads of its own; its matrix products use BLAS's, as
scikit-learn's do.  For tiny networks a second BLAS thread costs more in
hand-offs than it gains, so training holds BLAS at one thread there, through
threadpoolctl as scikit-learn does in k-means (docs/performance.md has the
measurements).
"""

from __future__ import annotations

import contextlib
import itertools
import os
import threading

#: Floating-point operations of one forward-backward pass (6 x rows x weights)
#: below which BLAS is held at one thread (digits' (100,) at batch 200 is 9M;
#: docs/performance.md).
MAX_ONE_THREAD_FLOPS = 12_000_000

#: Entries of a weight matrix above which OpenBLAS splits a dot product over
#: its threads (kernel/x86_64/ddot.c and sdot.c, ``n <= 10000``).  The L2
#: penalty's value is ``np.dot(W, W)`` per layer, as in scikit-learn; split,
#: it rounds differently, so a network with a larger layer keeps the user's
#: BLAS threads to report scikit-learn's loss to the bit.
MAX_ONE_THREAD_DOT = 10_000

_controller = None


def _blas_pools():
    global _controller
    if _controller is None:
        from threadpoolctl import ThreadpoolController

        _controller = ThreadpoolController()
    return _controller.select(user_api="blas")


def blas_threads():
    """Threads the loaded BLAS libraries are set to use (the most of them)."""
    return max((pool.num_threads for pool in _blas_pools().lib_controllers), default=1)


def available_cores():
    """Cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def one_thread_for(layer_units, batch_size):
    """Whether training the network holds BLAS at one thread.

    Yes for products too small to gain from a second thread, unless a weight
    matrix is large enough for BLAS to split its dot product (see
    :data:`MAX_ONE_THREAD_DOT`).
    """
    sizes = [a * b for a, b in itertools.pairwise(layer_units)]
    return (
        6 * batch_size * sum(sizes) < MAX_ONE_THREAD_FLOPS
        and max(sizes) <= MAX_ONE_THREAD_DOT
    )


_limit_lock = threading.Lock()
_limit_users = 0
_limit_context = None


@contextlib.contextmanager
def blas_limited(active=True):
    """Context: BLAS on one thread while ``active``.

    The setting is process-wide, so concurrent fits share it: the first one
    in sets it, the last one out restores what the user had.
    """
    global _limit_users, _limit_context
    if not active:
        yield
        return
    with _limit_lock:
        if _limit_users == 0:
            _limit_context = _blas_pools().limit(limits=1)
        _limit_users += 1
    try:
        yield
    finally:
        with _limit_lock:
            _limit_users -= 1
            if _limit_users == 0:
                _limit_context.restore_original_limits()
                _limit_context = None
