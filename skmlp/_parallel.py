"""Elementwise work split over two threads, for large parameter vectors.

NumPy's ufuncs run on one core and release the GIL, so an optimizer step over
a few hundred thousand weights or more, a dozen whole-vector passes, takes
nearly half the time when each half of the vector is updated by its own
thread. Only optimizers that declare their rule elementwise
(``elementwise = True``) are split: each half then sees exactly the numbers it
would see in one piece, so the result is bit-identical.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np

#: Below this many parameters a thread hand-off costs more than it saves.
MIN_SPLIT_SIZE = 1 << 18

_pool = None
_pool_lock = threading.Lock()


def _executor():
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="skmlp")
        return _pool


def _half(state, size, part):
    """The state of one half: parameter-sized arrays sliced, the rest shared."""
    if not isinstance(state, tuple):
        return state
    fields = [
        (a[part] if isinstance(a, np.ndarray) and a.shape == (size,) else a)
        for a in state
    ]
    return type(state)(*fields) if hasattr(state, "_fields") else tuple(fields)


def _merge(state, half_state, size):
    """The whole state again, taking the non-array fields from a half."""
    if not isinstance(state, tuple):
        return half_state
    fields = [
        whole if isinstance(whole, np.ndarray) and whole.shape == (size,) else part
        for whole, part in zip(state, half_state)
    ]
    return type(state)(*fields) if hasattr(state, "_fields") else tuple(fields)


def can_split(optimizer, size):
    """Whether an optimizer step over ``size`` weights is worth two threads."""
    return size >= MIN_SPLIT_SIZE and getattr(optimizer, "elementwise", False)


def split_step(optimizer, params, grads, state, learning_rate):
    """``optimizer.step`` with each half of the vectors on its own thread."""
    size = params.shape[0]
    middle = size // 2
    low, high = slice(0, middle), slice(middle, size)
    future = _executor().submit(
        optimizer.step,
        params[high],
        grads[high],
        _half(state, size, high),
        learning_rate,
    )
    low_state = optimizer.step(
        params[low], grads[low], _half(state, size, low), learning_rate
    )
    future.result()
    return _merge(state, low_state, size)
