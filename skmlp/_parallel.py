"""Work split over threads: column parts of each layer, and halves of a vector.

NumPy's ufuncs and BLAS calls release the GIL, so Python threads can run them
on separate cores.  A :class:`Team` of ``k`` threads (the caller is one of
them) runs one function per *part*: for a layer, each part owns a range of
the layer's units (columns of its activations, deltas and weight matrix), so
every element is computed by exactly one thread, with exactly the operations
of the one-thread pass.  In float64 OpenBLAS gives each column of a product
the same bits whatever the other columns are, so the split pass is
bit-identical to the serial one (and to scikit-learn's); in float32 its
kernels round by column position, so splitting changes the last bits, as
changing OpenBLAS's own thread count does.

For elementwise optimizers the update is split into contiguous pieces of the
flat vector, one per thread, which is bit-identical in every dtype.

A team only pays off when each part has enough work: a hand-off between
threads costs some 20-50 microseconds.  :func:`team_for` decides.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np

#: Elements per piece when a pass over a long vector goes a piece at a time:
#: a piece of each array involved fits in the L2 cache, and scratch space
#: stays small.
CHUNK = 1 << 16

#: Floating-point operations of one forward-backward pass (6 x rows x weights)
#: from which the layers are split over threads.
MIN_TEAM_FLOPS = 50_000_000

#: Floating-point operations of one pass below which BLAS is held at one
#: thread (measured on 2 cores: digits' (100,) at batch 200 is 9M).
MAX_ONE_THREAD_FLOPS = 12_000_000

#: Minibatch size above which OpenBLAS's own threads beat a team: two
#: one-thread products each pack their own copy of the shared operand, which
#: grows with the batch (measured on (1024, 1024) layers: the team 2-6%
#: faster at batch 200, OpenBLAS's threads 0-6% faster at batch 1000).
MAX_TEAM_BATCH = 512

#: Columns a layer must have per part to be split at all.
MIN_SPLIT_UNITS = 16

#: Units a layer part should have at least, so its matrix products stay
#: efficient.
MIN_PART_UNITS = 256

#: NumPy's ufunc buffer, in elements, in the threads of a team.  A ufunc over
#: a column part (a strided 2-D view) otherwise copies it through 8192-element
#: buffers allocated on every call; with buffers no longer than a part's
#: rows it runs row by row in place: a hidden layer's passes 1.5-2x faster
#: (float64, benchmarks/bench_kernels.py).
TEAM_UFUNC_BUFFER = 512

_local = threading.local()


def thread_scratch(dtype, size, count=2):
    """``count`` scratch arrays of ``size`` (at most :data:`CHUNK`) elements
    of ``dtype``, this thread's own, each allocated the first time it is
    asked for."""
    views = _local.__dict__.setdefault("views", {})
    key = (dtype, size, count)
    found = views.get(key)
    if found is not None:
        return found
    buffers = _local.__dict__.setdefault("buffers", {})
    arrays = buffers.setdefault(dtype, [])
    while len(arrays) < count:
        arrays.append(np.empty(CHUNK, dtype))
    # Every step asks for the same few views: keep them, a bounded number.
    if len(views) >= 64:
        views.clear()
    found = views[key] = tuple(a[:size] for a in arrays[:count])
    return found


_pools = {}
_pools_lock = threading.Lock()


def _executor(workers):
    with _pools_lock:
        pool = _pools.get(workers)
        if pool is None:
            # The pool's threads run only team parts.
            pool = ThreadPoolExecutor(
                max_workers=workers,
                thread_name_prefix="skmlp",
                initializer=np.setbufsize,
                initargs=(TEAM_UFUNC_BUFFER,),
            )
            _pools[workers] = pool
        return pool


class Team:
    """``size`` threads running one function per part, the caller included.

    Parameters
    ----------
    size : int
        Number of parts (and threads); 1 runs everything in the caller.
    one_blas_thread : bool, default=None
        Whether BLAS is held at one thread while the team works (see
        :func:`blas_limited`); by default, exactly when the team splits the
        work itself.
    """

    def __init__(self, size, one_blas_thread=None):
        self.size = int(size)
        self.one_blas_thread = (
            self.size > 1 if one_blas_thread is None else bool(one_blas_thread)
        )
        self._pool = _executor(self.size - 1) if self.size > 1 else None
        self._vector_parts = {}

    def run(self, fn, *args):
        """Call ``fn(part, *args)`` for every part; return when all are done."""
        if self._pool is None:
            fn(0, *args)
            return
        futures = [self._pool.submit(fn, p, *args) for p in range(1, self.size)]
        try:
            fn(0, *args)
        finally:
            for future in futures:
                future.result()

    def column_parts(self, units):
        """Split ``units`` columns into one contiguous slice per part.

        Boundaries are multiples of 16 columns, which keeps the BLAS kernels
        on their full-width paths; a single part gets ``None`` (the whole
        array, no slicing).
        """
        if self.size == 1:
            return [None]
        if units < MIN_SPLIT_UNITS * self.size:
            # Too narrow to split (a one-column part would even change the
            # bits, NumPy turning it into a matrix-vector product): the first
            # part does it all, the others skip it (``False``).
            return [None] + [False] * (self.size - 1)
        step = -(-units // self.size)
        step = -(-step // MIN_SPLIT_UNITS) * MIN_SPLIT_UNITS
        bounds = [min(units, p * step) for p in range(self.size + 1)]
        bounds[-1] = units
        return [slice(a, b) for a, b in itertools.pairwise(bounds)]

    def vector_parts(self, size):
        """Split a vector of ``size`` into one contiguous slice per part.

        The list is cached (every optimizer step asks for the same one), so
        callers must not modify it.
        """
        parts = self._vector_parts.get(size)
        if parts is None:
            bounds = [size * p // self.size for p in range(self.size + 1)]
            parts = [slice(a, b) for a, b in itertools.pairwise(bounds)]
            if len(self._vector_parts) >= 16:
                self._vector_parts.clear()
            self._vector_parts[size] = parts
        return parts


#: Everything in the calling thread.
SERIAL = Team(1)

#: Everything in the calling thread, BLAS included.
SERIAL_ONE_BLAS_THREAD = Team(1, one_blas_thread=True)


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


_limit_lock = threading.Lock()
_limit_users = 0
_limit_context = None


@contextlib.contextmanager
def blas_limited(team):
    """Context: BLAS on one thread while ``team`` splits the work itself.

    Two levels of threads on the same cores would fight over them (OpenBLAS's
    idle workers spin), and tiny products gain less from a second BLAS thread
    than its hand-offs cost; nothing changes for other teams.  The setting is
    process-wide, so concurrent fits share it: the first one in sets it, the
    last one out restores what the user had.
    """
    global _limit_users, _limit_context
    if not team.one_blas_thread:
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


@contextlib.contextmanager
def team_buffers(team):
    """Context: the calling thread uses a team's ufunc buffer size
    (:data:`TEAM_UFUNC_BUFFER`) while ``team`` splits the work; NumPy keeps
    the setting per thread, and the caller's is restored."""
    if team.size == 1:
        yield
        return
    previous = np.setbufsize(TEAM_UFUNC_BUFFER)
    try:
        yield
    finally:
        np.setbufsize(previous)


def available_cores():
    """Cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def team_for(layer_units, batch_size, threads, sparse=False):
    """The team for training a network: split only when each part has work.

    ``threads`` is how many threads the user's BLAS settings allow (skmlp
    uses as many, never more).  Tiny networks run serially with BLAS on one
    thread, mid-sized ones serially with BLAS's own threads (so does sparse
    input, since SciPy's sparse products hold the GIL), and networks whose
    hidden layers have :data:`MIN_PART_UNITS` units per thread or more are
    split over a team, at minibatches up to :data:`MAX_TEAM_BATCH`.
    """
    threads = min(int(threads), available_cores())
    weights = sum(a * b for a, b in itertools.pairwise(layer_units))
    flops = 6 * batch_size * weights
    hidden = layer_units[1:-1]
    if threads < 2:
        return SERIAL
    if flops < MAX_ONE_THREAD_FLOPS:
        # Products this small gain less from a second BLAS thread than its
        # hand-offs cost between the elementwise steps.
        return SERIAL_ONE_BLAS_THREAD
    if (
        sparse
        or not hidden
        or flops < MIN_TEAM_FLOPS
        or batch_size > MAX_TEAM_BATCH
        or min(hidden) < MIN_PART_UNITS * threads
    ):
        return SERIAL
    return Team(threads)


def _part(state, size, part):
    """The state of one part: parameter-sized arrays sliced, the rest shared
    (the state itself for a part that is the whole vector)."""
    if not isinstance(state, tuple) or (part.start in (0, None) and part.stop >= size):
        return state
    fields = [
        (a[part] if isinstance(a, np.ndarray) and a.shape == (size,) else a)
        for a in state
    ]
    return type(state)(*fields) if hasattr(state, "_fields") else tuple(fields)


def _merge(state, part_state, size):
    """The whole state again, taking the non-array fields from a part."""
    if not isinstance(state, tuple):
        return part_state
    fields = [
        whole if isinstance(whole, np.ndarray) and whole.shape == (size,) else part
        for whole, part in zip(state, part_state)
    ]
    return type(state)(*fields) if hasattr(state, "_fields") else tuple(fields)


def can_split(optimizer, team):
    """Whether an optimizer step can be split over ``team``'s threads."""
    return team.size > 1 and getattr(optimizer, "elementwise", False)


def split_step(optimizer, params, grads, state, learning_rate, team):
    """``optimizer.step`` with each part of the vectors on its own thread."""
    size = params.shape[0]
    parts = team.vector_parts(size)
    results = [None] * team.size

    def step(p):
        part = parts[p]
        results[p] = optimizer.step(
            params[part], grads[part], _part(state, size, part), learning_rate
        )

    team.run(step)
    return _merge(state, results[0], size)
