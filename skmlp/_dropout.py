"""Inverted dropout on the hidden layers' outputs, in training only.

During a training step each hidden layer's output :math:`h = f(z)` is
replaced by :math:`\\tilde h = h \\odot m / (1 - p)`, with :math:`m` a fresh
0/1 mask per unit and per row (:math:`P(m = 1) = 1 - p`), so that
:math:`E[\\tilde h] = h` and nothing needs rescaling at prediction time:
``predict``, the scores and the validation loss use the network as it is.
The next layer takes :math:`\\tilde h` as its input (its weight gradient
too), and the backward pass multiplies the layer's delta by the same
scale :math:`m / (1 - p)`:

.. math::

    \\frac{\\partial J}{\\partial z} = \\Big(\\delta' W'^\\top \\odot
    \\frac{m}{1 - p}\\Big) \\odot f'(z),

with :math:`f'` taken at the *undropped* output :math:`h` (or at :math:`z`),
which the layer's output buffer keeps: the dropped outputs and the scales
live in two more buffers per hidden layer, allocated only for a fit with
dropout (:meth:`skmlp._network.Workspace.dropout_buffers`).

The masks come from a NumPy :class:`~numpy.random.Generator` seeded at the
start of every epoch with one draw of the fit's random state (the one that
shuffles) and the number of samples the estimator had seen when the fit
started.  So a fit with an int ``random_state`` is reproducible, a diverged
epoch's replay (``skmlp._training``) draws the same masks again, successive
``partial_fit`` calls draw different masks, and ``dropout=0`` draws nothing
at all: its fits are scikit-learn's, bit for bit.
"""

from __future__ import annotations

from numbers import Real

import numpy as np

#: Largest value :meth:`numpy.random.RandomState.randint` draws a seed below.
_SEED_BOUND = 2**31 - 1


def dropout_rates(dropout, n_hidden):
    """The rate of each of the ``n_hidden`` hidden layers, a tuple of floats,
    from the ``dropout`` parameter (a rate, or one per hidden layer); a clear
    ``ValueError`` for anything else."""
    if isinstance(dropout, Real) and not isinstance(dropout, bool):
        rates = (float(dropout),) * n_hidden
    else:
        rates = _per_layer(dropout, n_hidden)
    bad = [r for r in rates if not 0 <= r < 1]
    if bad:
        raise ValueError(
            f"dropout rates must be in [0, 1) (a rate of 1 would drop every "
            f"unit); got {bad[0]!r} in dropout={dropout!r}."
        )
    return rates


def _per_layer(dropout, n_hidden):
    values = list(dropout)
    if len(values) != n_hidden:
        raise ValueError(
            f"dropout has {len(values)} rate(s) but the network has {n_hidden} "
            f"hidden layer(s) (hidden_layer_sizes); give one rate per hidden "
            f"layer or a single rate for all of them; got dropout={dropout!r}."
        )
    if not all(isinstance(v, Real) and not isinstance(v, bool) for v in values):
        raise ValueError(
            f"dropout rates must be real numbers; got dropout={dropout!r}."
        )
    return tuple(float(v) for v in values)


def dropout_for(dropout, n_hidden, offset=0):
    """A fit's :class:`Dropout`, or None when every rate is 0 (the fit then
    does no dropout work at all)."""
    rates = dropout_rates(dropout, n_hidden)
    return Dropout(rates, offset) if any(rates) else None


class Dropout:
    """Random inverted-dropout masks for one fit.

    Parameters
    ----------
    rates : tuple of float
        Each hidden layer's rate, in [0, 1).
    offset : int
        Samples seen before the fit started (0 for a fresh fit): mixed into
        every epoch's seed, so that a continued fit draws other masks.
    """

    def __init__(self, rates, offset=0):
        self.rates = tuple(rates)
        self.scales = tuple(1.0 / (1.0 - p) for p in self.rates)
        self.offset = int(offset)
        self.generator = np.random.default_rng([0, self.offset])

    def new_epoch(self, rng):
        """Seed the masks of the next epoch from one draw of ``rng`` (a
        :class:`~numpy.random.RandomState`, the fit's)."""
        seed = int(rng.randint(_SEED_BOUND))
        self.generator = np.random.default_rng([seed, self.offset])

    def fill(self, scales):
        """Write each hidden layer's ``m / (1 - p)`` into its buffer in
        ``scales`` (one ``(n, units)`` array per hidden layer)."""
        random = self.generator.random
        for rate, scale, out in zip(self.rates, self.scales, scales):
            if rate == 0:
                out.fill(1)
                continue
            random(out=out, dtype=out.dtype)
            # u >= p has probability 1 - p: 1.0 (kept) or 0.0 (dropped).
            np.greater_equal(out, rate, out=out)
            out *= scale


class FixedMasks:
    """Given masks instead of random ones (for tests): ``masks`` holds each
    hidden layer's 0/1 array, ``rates`` each layer's rate."""

    def __init__(self, masks, rates):
        self.masks = [np.asarray(m, dtype=float) for m in masks]
        self.rates = tuple(rates)

    def new_epoch(self, rng):
        pass

    def fill(self, scales):
        for mask, rate, out in zip(self.masks, self.rates, scales):
            np.multiply(mask, 1.0 / (1.0 - rate), out=out)


def scaled_product(product, args, delta, scale):
    """A hidden layer's delta with dropout: ``product(*args)`` writes the
    undropped delta into ``delta`` (from the undropped output), then the
    dropout scale multiplies it."""
    product(*args)
    np.multiply(delta, scale, out=delta)
