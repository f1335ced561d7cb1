"""Long vectors a cache-sized piece at a time: per-thread scratch, state slices.

An elementwise optimizer rule makes a dozen passes over the weights; run over
pieces of :data:`CHUNK` elements, each piece of every array involved stays in
the L2 cache across them, and the rule needs scratch space of one piece only.
"""

from __future__ import annotations

import threading

import numpy as np

#: Elements per piece when a pass over a long vector goes a piece at a time:
#: a piece of each array involved fits in the L2 cache, and scratch space
#: stays small.
CHUNK = 1 << 16

_local = threading.local()


def thread_scratch(dtype, size, count=2):
    """``count`` scratch arrays of ``size`` (at most :data:`CHUNK`) elements
    of ``dtype``, this thread's own (fits may run in several threads), each
    allocated the first time it is asked for."""
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


def state_piece(state, size, piece):
    """The optimizer state of one piece of a vector of ``size``: its
    parameter-sized arrays sliced, the rest shared (the state itself for a
    piece that is the whole vector)."""
    if not isinstance(state, tuple) or (
        piece.start in (0, None) and piece.stop >= size
    ):
        return state
    fields = [
        (a[piece] if isinstance(a, np.ndarray) and a.shape == (size,) else a)
        for a in state
    ]
    return type(state)(*fields) if hasattr(state, "_fields") else tuple(fields)
