"""Long vectors a cache-sized piece at a time: state slices for the pieces.

An elementwise optimizer rule makes a dozen passes over the weights; run over
pieces of :data:`CHUNK` elements, each piece of every array involved stays in
the L2 cache across them (:meth:`skmlp._training.OptimizerRun.step`).
"""

from __future__ import annotations

import numpy as np

#: Elements per piece when a pass over a long vector goes a piece at a time:
#: a piece of each array involved fits in the L2 cache.
CHUNK = 1 << 16


def _is_vector(a, size):
    return isinstance(a, np.ndarray) and a.shape == (size,)


def state_piece(state, size, piece):
    """The optimizer state of one piece of a vector of ``size``: its
    parameter-sized arrays sliced, the rest shared (the state itself for a
    piece that is the whole vector)."""
    whole = piece.start in (0, None) and piece.stop >= size
    if whole or not isinstance(state, tuple):
        return state
    fields = [a[piece] if _is_vector(a, size) else a for a in state]
    return type(state)(*fields) if hasattr(state, "_fields") else tuple(fields)


def merge_state(state, stepped, size):
    """The whole state after a step in pieces: its arrays (stepped in place)
    and the other fields (a step count) as the last piece's step left them."""
    if not isinstance(state, tuple) or stepped is state:
        return stepped
    fields = [
        whole if _is_vector(whole, size) else new for whole, new in zip(state, stepped)
    ]
    return type(state)(*fields) if hasattr(state, "_fields") else tuple(fields)
