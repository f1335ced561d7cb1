"""The numerical core: parameters, forward pass, loss and gradient.

Plain NumPy over plain arrays: nothing here knows about scikit-learn or about
an estimator.  All weights live in one flat vector ``theta`` (every layer's
``W`` first, then every layer's ``b``, the order scikit-learn packs them in for
L-BFGS) with per-layer views, so an optimizer step is a few whole-vector ufunc
calls and L-BFGS needs no packing.  The gradient has the same layout.

The objective for a minibatch of ``n`` rows with sample weights ``s`` is

.. math::

    J = \\frac{\\sum_i s_i\\, \\ell(y_i, f(x_i))}{\\sum_i s_i}
        + \\frac{1}{\\sum_i s_i} \\Big(\\frac{\\lambda_2}{2} \\lVert W \\rVert_2^2
        + \\lambda_1 \\lVert W \\rVert_1\\Big)

(``s = 1`` without weights) over all weight matrices, biases never penalized,
as in scikit-learn; :mod:`skmlp.penalties` says how ``penalty``, ``alpha`` and
``l1_ratio`` give :math:`\\lambda_2` and :math:`\\lambda_1`.
"""

from __future__ import annotations

from itertools import pairwise

import numpy as np
import scipy.sparse as sp

from skmlp._activations import HIDDEN_ACTIVATIONS, OUTPUT_ACTIVATIONS
from skmlp._losses import LOSSES


class Layout:
    """Where each layer's ``W`` and ``b`` live inside the flat vector.

    Parameters
    ----------
    layer_units : sequence of int
        Units per layer, input and output included.
    """

    def __init__(self, layer_units):
        self.layer_units = tuple(int(u) for u in layer_units)
        self.shapes = list(pairwise(self.layer_units))
        sizes = [a * b for a, b in self.shapes]
        self.n_coef = sum(sizes)
        self.size = self.n_coef + sum(self.layer_units[1:])
        self._coef_bounds = _bounds(sizes, 0)
        self._intercept_bounds = _bounds(self.layer_units[1:], self.n_coef)
        self._cache = {}

    def views(self, flat):
        """Per-layer ``(coefs, intercepts)`` views into ``flat``.

        The lists are cached per buffer (every training step asks for the
        same two), so callers must not modify them.
        """
        cached = self._cache.get(id(flat))
        if cached is not None and cached[0] is flat:
            return cached[1]
        coefs = [
            flat[a:b].reshape(shape)
            for (a, b), shape in zip(self._coef_bounds, self.shapes)
        ]
        intercepts = [flat[a:b] for a, b in self._intercept_bounds]
        if len(self._cache) >= 4:
            self._cache.clear()
        self._cache[id(flat)] = (flat, (coefs, intercepts))
        return coefs, intercepts

    def __getstate__(self):
        return {**self.__dict__, "_cache": {}}

    def pack(self, coefs, intercepts, out):
        """Copy per-layer arrays into the flat vector ``out``."""
        out_coefs, out_intercepts = self.views(out)
        for dst, src in zip(out_coefs + out_intercepts, coefs + intercepts):
            dst[...] = src
        return out


def _bounds(sizes, start):
    bounds = []
    for size in sizes:
        bounds.append((start, start + size))
        start += size
    return bounds


def init_params(layout, activation, rng, dtype):
    """Glorot-uniform initial weights and biases, drawn as scikit-learn does.

    Each layer draws ``W`` then ``b`` from ``U(-r, r)`` with
    ``r = sqrt(6 / (fan_in + fan_out))`` (``sqrt(2 / ...)`` for logistic
    hidden units), in float64, then casts to ``dtype``.
    """
    factor = 2.0 if activation == "logistic" else 6.0
    theta = np.empty(layout.size, dtype=dtype)
    coefs, intercepts = layout.views(theta)
    for (fan_in, fan_out), coef, intercept in zip(layout.shapes, coefs, intercepts):
        bound = np.sqrt(factor / (fan_in + fan_out))
        coef[...] = rng.uniform(-bound, bound, (fan_in, fan_out))
        intercept[...] = rng.uniform(-bound, bound, fan_out)
    return theta


def _matmul(A, W, out):
    if sp.issparse(A):
        out[...] = A @ W
    else:
        np.matmul(A, W, out=out)


def forward(coefs, intercepts, X, activations, hidden, output, row=None):
    """Fill ``activations`` (one array per layer after the input) from ``X``.

    Returns the output layer, after the output activation; ``row`` is an
    optional scratch buffer with one entry per row of ``X``.
    """
    hidden_forward = HIDDEN_ACTIVATIONS[hidden].forward
    A = X
    last = len(coefs) - 1
    for i, (W, b, Z) in enumerate(zip(coefs, intercepts, activations)):
        if i == 0:
            _matmul(A, W, Z)  # only the input may be sparse
        else:
            np.matmul(A, W, out=Z)
        Z += b
        if i < last:
            hidden_forward(Z)
        else:
            OUTPUT_ACTIVATIONS[output](Z, row)
        A = Z
    return A


def predict(coefs, intercepts, X, hidden, output):
    """Network output for ``X`` (allocates its own buffers)."""
    n = X.shape[0]
    dtype = coefs[0].dtype
    activations = [np.empty((n, W.shape[1]), dtype=dtype) for W in coefs]
    return forward(coefs, intercepts, X, activations, hidden, output)


class Workspace:
    """Buffers for one batch size, allocated once and reused every step.

    Attributes
    ----------
    activations, deltas, scratch : list of ndarray
        Per-layer ``(batch_size, units)`` buffers; a smaller batch uses the
        leading rows.
    row : ndarray of shape (batch_size,)
        Per-row scratch for softmax.
    loss, loss_row : ndarray
        float64 scratch for the loss, like the output layer and per row.
    penalty : ndarray
        Scratch of the size of all weights, for the penalty gradient.
    """

    def __init__(self, layout, batch_size, dtype):
        units = layout.layer_units[1:]
        self.batch_size = batch_size
        self.activations = [np.empty((batch_size, u), dtype=dtype) for u in units]
        self.deltas = [np.empty((batch_size, u), dtype=dtype) for u in units]
        self.scratch = [np.empty((batch_size, u), dtype=dtype) for u in units]
        self.row = np.empty(batch_size, dtype=dtype)
        self.loss = (
            self.scratch[-1]
            if np.dtype(dtype) == np.float64
            else np.empty((batch_size, units[-1]))
        )
        self.loss_row = np.empty(batch_size)
        self.penalty = np.empty(layout.n_coef, dtype=dtype)
        self._rows = {}

    def rows(self, n):
        """Buffers for a batch of ``n`` rows: ``(activations, deltas, scratch,
        row, loss, loss_row)``, views of the leading rows when ``n`` is smaller.
        """
        if n not in self._rows:
            self._rows[n] = (
                *(
                    [a[:n] for a in bufs]
                    for bufs in (self.activations, self.deltas, self.scratch)
                ),
                *(a[:n] for a in (self.row, self.loss, self.loss_row)),
            )
        return self._rows[n]


def loss_and_grad(
    theta,
    grad,
    layout,
    X,
    Y,
    sample_weight,
    workspace,
    hidden,
    loss,
    penalty,
    l1_subgradient=True,
):
    """Objective value on ``(X, Y)`` and its gradient written into ``grad``.

    ``theta`` and ``grad`` are flat vectors in ``layout``; ``Y`` is 2-D, already
    encoded for the output layer (one-hot, 0/1 or real targets); ``penalty`` is
    a :class:`skmlp.penalties.Penalty`.  The value always includes the L1 term;
    the gradient includes its subgradient :math:`\\lambda_1 \\operatorname{sign}(W)`
    only with ``l1_subgradient`` (training applies L1 by its proximal step).
    """
    n = X.shape[0]
    coefs, intercepts = layout.views(theta)
    grad_coefs, grad_intercepts = layout.views(grad)
    activations, deltas, scratch, row, loss_buf, loss_row = workspace.rows(n)
    spec = LOSSES[loss]
    out = forward(
        coefs, intercepts, X, activations, hidden, spec.output_activation, row
    )
    # The output layer's scratch is free (only hidden layers' is used by the
    # backward pass), so the loss uses it.
    value = spec.value(Y, out, sample_weight, scratch[-1], loss_buf, loss_row)
    weight_sum = n if sample_weight is None else np.add.reduce(sample_weight)
    value += (
        _penalty_value(theta[: layout.n_coef], penalty, workspace.penalty) / weight_sum
    )

    # Canonical link: d loss / d z_out = y_pred - y for every loss we pair.
    delta = deltas[-1]
    np.subtract(out, Y, out=delta)
    if sample_weight is not None:
        delta *= sample_weight.reshape(-1, 1)
    hidden_backward = HIDDEN_ACTIVATIONS[hidden].backward
    for i in range(len(coefs) - 1, -1, -1):
        if i == 0:
            _matmul(X.T, deltas[i], grad_coefs[i])
        else:
            np.matmul(activations[i - 1].T, deltas[i], out=grad_coefs[i])
        # The same reduction as scikit-learn's np.sum(axis=0), keeping its
        # bits (a ones-vector product is faster but rounds differently, which
        # float32 L-BFGS amplifies), without np.sum's Python wrapper.
        np.add.reduce(deltas[i], axis=0, out=grad_intercepts[i])
        if i > 0:
            np.matmul(deltas[i], coefs[i].T, out=deltas[i - 1])
            hidden_backward(activations[i - 1], deltas[i - 1], scratch[i - 1])

    _add_penalty_gradient(
        theta[: layout.n_coef],
        grad[: layout.n_coef],
        penalty,
        l1_subgradient,
        workspace.penalty,
    )
    grad /= weight_sum
    return value


def _penalty_value(weights, penalty, scratch):
    total = 0.0
    if penalty.l2:
        total += (0.5 * penalty.l2) * np.dot(weights, weights)
    if penalty.l1:
        total += penalty.l1 * np.add.reduce(np.abs(weights, out=scratch))
    return total


def _add_penalty_gradient(weights, weight_grad, penalty, l1_subgradient, scratch):
    if penalty.l2:
        np.multiply(weights, penalty.l2, out=scratch)
        weight_grad += scratch
    if penalty.l1 and l1_subgradient:
        np.sign(weights, out=scratch)
        scratch *= penalty.l1
        weight_grad += scratch
