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
        + \\lambda_1 \\lVert W \\rVert_1
        + \\lambda_g \\sum_{l < L} \\sqrt{n_l} \\sum_j \\lVert W_l[:, j] \\rVert_2
        \\Big)

(``s = 1`` without weights) over all weight matrices, biases never penalized,
as in scikit-learn, the group term over the hidden layers' columns only
(:math:`n_l` the layer's fan-in); :mod:`skmlp.penalties` says how
``penalty``, ``alpha`` and ``l1_ratio`` give :math:`\\lambda_2`,
:math:`\\lambda_1` and :math:`\\lambda_g`.
"""

from __future__ import annotations

from itertools import pairwise
from typing import NamedTuple

import numpy as np
import scipy.sparse as sp

from skmlp._activations import HIDDEN_ACTIVATIONS, OUTPUT_ACTIVATIONS
from skmlp._dropout import scaled_product
from skmlp._losses import LOSSES
from skmlp.penalties import Penalty


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


def init_params(layout, activation, rng, dtype, out=None):
    """Glorot-uniform initial weights and biases, drawn as scikit-learn does.

    Each layer draws ``W`` then ``b`` from ``U(-r, r)`` with
    ``r = sqrt(6 / (fan_in + fan_out))`` (``sqrt(2 / ...)`` for logistic
    hidden units), in float64, then casts to ``dtype``; into ``out`` when
    given.  scikit-learn's rule: every other activation, skmlp's own
    (``leaky_relu``, ``elu``, ``gelu``, ``softplus``, ``silu``) included,
    uses the factor 6.
    """
    factor = 2.0 if activation == "logistic" else 6.0
    theta = np.empty(layout.size, dtype=dtype) if out is None else out
    coefs, intercepts = layout.views(theta)
    for (fan_in, fan_out), coef, intercept in zip(layout.shapes, coefs, intercepts):
        bound = np.sqrt(factor / (fan_in + fan_out))
        coef[...] = rng.uniform(-bound, bound, (fan_in, fan_out))
        intercept[...] = rng.uniform(-bound, bound, fan_out)
    return theta


def _matmul(A, W, out):
    # The exact-type tests first: issparse's ABC check costs more than a
    # small product.
    if type(W) is not np.ndarray and not isinstance(W, np.ndarray):
        # A compressed layer (skmlp.weights) multiplies from what it stores.
        W.matmul(A, out=out)
    elif type(A) is np.ndarray or not sp.issparse(A):
        np.matmul(A, W, out=out)
    else:
        out[...] = A @ W


def _forward_layer(A, W, b, Z, activation, row=None):
    """``Z = activation(A @ W + b)``, in place."""
    _matmul(A, W, Z)
    Z += b
    activation(Z, row)


def forward(coefs, intercepts, X, activations, hidden, output, row=None, dropped=None):
    """Fill ``activations`` (one array per layer after the input) from ``X``.

    Returns the output layer, after the output activation; ``row`` is an
    optional scratch buffer with one entry per row of ``X``.  ``dropped``
    (training with dropout, :mod:`skmlp._dropout`): per hidden layer, its
    ``(scale, out)`` buffers; the next layer then takes ``out``, the output
    times the scale, and ``activations`` keep the undropped outputs.
    """
    hidden_forward = HIDDEN_ACTIVATIONS[hidden].forward
    A = X
    last = len(coefs) - 1
    for i, (W, b, Z) in enumerate(zip(coefs, intercepts, activations)):
        activation = hidden_forward if i < last else OUTPUT_ACTIVATIONS[output]
        _forward_layer(A, W, b, Z, activation, row=row)
        A = Z if dropped is None or i == last else np.multiply(Z, *dropped[i])
    return A


def _forward_keeping_pre(
    coefs, intercepts, X, pre, activations, into, output, row, dropped=None
):
    """:func:`forward` for an activation that keeps its pre-activations
    (:class:`skmlp._activations.Activation`): each hidden layer's
    ``A W + b`` stays in ``pre`` and ``into`` writes its activation into
    ``activations``."""
    A = X
    last = len(coefs) - 1
    for i in range(last):
        Z = pre[i]
        _matmul(A, coefs[i], Z)
        Z += intercepts[i]
        into(Z, activations[i])
        A = activations[i]
        if dropped is not None:
            A = np.multiply(A, *dropped[i])
    out = activations[last]
    _forward_layer(
        A, coefs[last], intercepts[last], out, OUTPUT_ACTIVATIONS[output], row
    )
    return out


def hidden_outputs(coefs, intercepts, X, hidden):
    """Each hidden layer's outputs for ``X``, a list (the output layer is
    not computed)."""
    activation = HIDDEN_ACTIVATIONS[hidden].forward
    outputs, A = [], X
    for W, b in zip(coefs[:-1], intercepts[:-1]):
        Z = np.empty((X.shape[0], W.shape[1]), dtype=W.dtype)
        _forward_layer(A, W, b, Z, activation)
        outputs.append(Z)
        A = Z
    return outputs


def predict(coefs, intercepts, X, hidden, output):
    """Network output for ``X`` (allocates its own buffers)."""
    n = X.shape[0]
    dtype = coefs[0].dtype
    activations = [np.empty((n, W.shape[1]), dtype=dtype) for W in coefs]
    return forward(coefs, intercepts, X, activations, hidden, output)


class Objective(NamedTuple):
    """What the network computes: architecture, hidden activation, loss name
    (a key of :data:`skmlp._losses.LOSSES`), penalty, ``kept``: None, or
    a 0/1 vector over the weights (``theta[:n_coef]``) whose zeros are
    weights held at exactly zero (a pruned model's), and ``dropout``: None,
    or the masks of training with dropout (:mod:`skmlp._dropout`), which
    :func:`loss_and_grad` applies (:func:`objective_value` never does)."""

    layout: Layout
    hidden: str
    loss: str
    penalty: Penalty
    kept: np.ndarray | None = None
    dropout: object = None


class Workspace:
    """Buffers for one batch size, allocated once and reused every step.

    Attributes
    ----------
    activations : list of ndarray
        Per-layer ``(batch_size, units)`` buffers; a smaller batch uses the
        leading rows.  The backward pass turns each into the layer's delta.
    row : ndarray of shape (batch_size,)
        Per-row scratch for softmax.
    loss_terms, loss_other, loss_columns : ndarray
        float64 scratch for the loss: two like the output layer, one entry
        per output.

    Hidden activations that keep their pre-activations (``gelu``, ...) also
    get one ``(batch_size, units)`` buffer per hidden layer for them
    (:meth:`pre_activations`), allocated when first asked for: the other
    activations' fits use no more memory for it.
    """

    def __init__(self, layout, batch_size, dtype):
        units = layout.layer_units[1:]
        self.batch_size = batch_size
        self.activations = [np.empty((batch_size, u), dtype=dtype) for u in units]
        self.row = np.empty(batch_size, dtype=dtype)
        self.loss_terms = np.empty((batch_size, units[-1]))
        self.loss_other = np.empty((batch_size, units[-1]))
        self.loss_columns = np.empty(units[-1])
        self._size = batch_size * max(units[:-1], default=0)
        self._dtype = dtype
        # Allocated when first asked for: a backward-product buffer for
        # activations whose derivative needs one, else a boolean mask.
        self._product = None
        self._mask = None
        self._pre = None
        self._dropout = None
        self._plans = {}

    def plan(self, objective, theta, grad, n):
        """The cached :class:`_Plan` for a pass of ``n`` rows."""
        key = (n, objective.hidden, objective.dropout is not None)
        plan = self._plans.get(key)
        if plan is None or plan.theta is not theta or plan.grad is not grad:
            plan = self._plans[key] = _Plan(objective, theta, grad, self, n)
        return plan

    def product(self, shape):
        """A contiguous ``shape`` buffer for a backward product (the next
        layer's delta times its weights, before ``f'``)."""
        if self._product is None:
            self._product = np.empty(self._size, dtype=self._dtype)
        return self._product[: shape[0] * shape[1]].reshape(shape)

    def pre_activations(self):
        """One ``(batch_size, units)`` buffer per hidden layer for its
        pre-activations."""
        if self._pre is None:
            self._pre = [
                np.empty((self.batch_size, a.shape[1]), dtype=self._dtype)
                for a in self.activations[:-1]
            ]
        return self._pre

    def dropout_buffers(self):
        """Per hidden layer, two ``(batch_size, units)`` buffers: the
        dropout scales and the dropped outputs (allocated for dropout only)."""
        if self._dropout is None:
            self._dropout = [
                tuple(np.empty_like(a) for _ in range(2)) for a in self.activations[:-1]
            ]
        return self._dropout

    def mask(self, shape):
        """A boolean ``shape`` buffer for a derivative mask."""
        if self._mask is None:
            self._mask = np.empty(self._size, dtype=bool)
        return self._mask[: shape[0] * shape[1]].reshape(shape)


class _Plan:
    """Every view one pass of ``n`` rows needs, per layer.

    Built once per (weights, gradient, row count) and cached on the
    workspace, so a training step does no slicing and builds no closures.
    """

    def __init__(self, objective, theta, grad, workspace, n):
        act = HIDDEN_ACTIVATIONS[objective.hidden]
        coefs, intercepts = objective.layout.views(theta)
        grad_coefs, grad_intercepts = objective.layout.views(grad)
        self.theta, self.grad = theta, grad
        # Each layer's delta overwrites its output (see _activations).
        self.activations = [a[:n] for a in workspace.activations]
        self.row = workspace.row[:n]
        self.loss_terms = (workspace.loss_terms[:n], workspace.loss_other[:n])
        self.coefs, self.intercepts = coefs, intercepts
        self.grad_coefs = grad_coefs
        # Each weight matrix as a vector, for the penalty's value.
        self.layer_weights = [W.reshape(-1) for W in coefs]
        last = len(coefs) - 1
        # Each hidden layer's pre-activations, when the activation keeps them.
        self.pre = (
            [p[:n] for p in workspace.pre_activations()]
            if act.keeps_pre_activations
            else None
        )
        self.into = act.into
        # Each layer's input after the first (its weights' gradient reads it).
        self.inputs, self.dropped, self.scales = self.activations, None, None
        self.backward = [
            (
                self.activations[i],
                None
                if i == last
                # The layer's delta comes from the next layer's delta.
                else _hidden_product(
                    act,
                    self.activations[i + 1],
                    coefs[i + 1].T,
                    self.activations[i],
                    workspace,
                    None if self.pre is None else self.pre[i],
                ),
                grad_coefs[i],
                grad_intercepts[i],
            )
            for i in range(last + 1)
        ]
        if objective.dropout is not None:
            self._add_dropout(workspace, n)

    def _add_dropout(self, workspace, n):
        """Training with dropout: each hidden layer's ``(scale, dropped
        output)`` views; the next layer reads the dropped output, and the
        layer's delta is scaled like its output (:mod:`skmlp._dropout`)."""
        self.dropped = [(s[:n], d[:n]) for s, d in workspace.dropout_buffers()]
        self.scales = [s for s, _ in self.dropped]
        self.inputs = [d for _, d in self.dropped]
        for i, scale in enumerate(self.scales):
            delta, hidden, grad_W, grad_b = self.backward[i]
            hidden = (scaled_product, (*hidden, delta, scale))
            self.backward[i] = (delta, hidden, grad_W, grad_b)


def _hidden_product(act, next_delta, W_next, delta, workspace, pre=None):
    """``(function, args)`` that turn a hidden layer's outputs ``delta`` into
    its delta: the next layer's delta times its weights, times :math:`f'`
    (computed from the layer's pre-activations ``pre`` when the activation
    keeps them)."""
    if act.keeps_pre_activations:
        product = workspace.product(delta.shape)
        return _pre_product, (next_delta, W_next, pre, product, delta, act.derivative)
    if act.linear:
        return np.matmul, (next_delta, W_next, delta)
    if act.mask is not None:
        mask = workspace.mask(delta.shape)
        return _masked_product, (next_delta, W_next, delta, act.mask, mask)
    product = workspace.product(delta.shape)
    return _buffered_product, (next_delta, W_next, product, delta, act.backward)


def _masked_product(next_delta, W_next, delta, mask_of, mask):
    mask_of(delta, mask)
    np.matmul(next_delta, W_next, out=delta)
    # delta * 1.0 or delta * 0.0: the numbers of f'(a) * delta.
    np.multiply(delta, mask, out=delta)


def _buffered_product(next_delta, W_next, product, delta, backward):
    np.matmul(next_delta, W_next, out=product)
    backward(delta, product)


def _pre_product(next_delta, W_next, pre, product, delta, derivative):
    # The layer's outputs are needed for nothing else any more (the next
    # layer's weight gradient has used them): f'(z) replaces them (computed
    # from them or from z, the pre-activations and the product buffer
    # serving as scratch), then the product is taken.
    derivative(pre, delta, product)
    np.matmul(next_delta, W_next, out=product)
    # delta * f', in scikit-learn's order.
    np.multiply(product, delta, out=delta)


def _backward_layer(views, A):
    """The layer's delta (from the next layer's, unless it is the output),
    then its weights' and biases' raw gradient: summed over rows."""
    delta, hidden, grad_W, grad_b = views
    if hidden is not None:
        product, args = hidden
        product(*args)
    _matmul(A.T, delta, grad_W)
    # The same reduction as scikit-learn's np.sum(axis=0), keeping its bits
    # (a ones-vector product is faster but rounds differently, which float32
    # L-BFGS amplifies), without np.sum's Python wrapper.
    np.add.reduce(delta, axis=0, out=grad_b)


def loss_and_grad(objective, theta, grad, X, Y, sample_weight, workspace, finish=True):
    """Objective value on ``(X, Y)`` and its gradient written into ``grad``.

    ``objective`` is an :class:`Objective`; ``theta`` and ``grad`` are flat
    vectors in its layout; ``Y`` is 2-D, already encoded for the output layer
    (one-hot, 0/1 or real targets).  The value is scikit-learn's, bit for
    bit (see :mod:`skmlp._losses`): the mean data loss plus the penalty's
    value over the weight sum, in that order.

    With ``finish`` the gradient is the objective's (the penalty's gradient,
    with the subgradients of its L1 and group parts, added; see
    :func:`finish_gradient` and :meth:`Penalty.add_group_gradient`);
    without, it is left *raw*: the sample-weighted data term summed over
    rows, for the caller to finish (the training loop does, a piece at a
    time, with the smooth part of the penalty).  Each layer's outputs are
    overwritten by the backward pass.
    """
    plan = workspace.plan(objective, theta, grad, X.shape[0])
    spec = LOSSES[objective.loss]
    if plan.dropped is not None:
        objective.dropout.fill(plan.scales)
    if plan.pre is None:
        out = forward(
            plan.coefs,
            plan.intercepts,
            X,
            plan.activations,
            objective.hidden,
            spec.output_activation,
            plan.row,
            plan.dropped,
        )
    else:
        out = _forward_keeping_pre(
            plan.coefs,
            plan.intercepts,
            X,
            plan.pre,
            plan.activations,
            plan.into,
            spec.output_activation,
            plan.row,
            plan.dropped,
        )
    weight_sum = total_weight(X, sample_weight)
    value = spec.value(Y, out, sample_weight, *plan.loss_terms, workspace.loss_columns)
    penalty = objective.penalty
    if penalty.l2 or penalty.l1 or penalty.group:
        value += penalty.value(plan.layer_weights, plan.coefs) / weight_sum

    # Canonical link: d loss / d z_out = y_pred - y for every loss we pair;
    # the output's delta takes the output's place.
    np.subtract(out, Y, out=out)
    if sample_weight is not None:
        out *= sample_weight.reshape(-1, 1)
    for i in range(len(plan.backward) - 1, -1, -1):
        _backward_layer(plan.backward[i], X if i == 0 else plan.inputs[i - 1])
    if finish:
        if penalty.group:
            # Not elementwise (each column's norm), so not in finish_gradient,
            # which may be handed a piece of the vectors.
            penalty.add_group_gradient(plan.coefs[:-1], plan.grad_coefs[:-1])
        finish_gradient(penalty, theta, grad, objective.layout.n_coef, weight_sum)
    return value


def objective_value(objective, theta, X, Y, sample_weight, workspace):
    """The value :func:`loss_and_grad` gives, alone: a forward pass into
    ``workspace`` (sized for ``X``'s rows) and the same reductions, no
    gradient, so ``theta`` and every other buffer are left alone."""
    n = X.shape[0]
    coefs, intercepts = objective.layout.views(theta)
    spec = LOSSES[objective.loss]
    out = forward(
        coefs,
        intercepts,
        X,
        [a[:n] for a in workspace.activations],
        objective.hidden,
        spec.output_activation,
        workspace.row[:n],
    )
    terms = (workspace.loss_terms[:n], workspace.loss_other[:n])
    value = spec.value(Y, out, sample_weight, *terms, workspace.loss_columns)
    penalty = objective.penalty
    if penalty.l2 or penalty.l1 or penalty.group:
        layers = [W.reshape(-1) for W in coefs]
        value += penalty.value(layers, coefs) / total_weight(X, sample_weight)
    return value


def finish_gradient(penalty, theta, grad, n_coef, weight_sum, l1=True):
    """Raw gradient to the objective's: the penalty's gradient added to the
    weights' entries (below ``n_coef``), then everything divided by the
    weight sum: scikit-learn's operations, in its order.

    ``theta`` and ``grad`` may be matching pieces of the flat vectors (the
    training loop finishes a piece at a time).  Without ``l1`` the L1 part's
    subgradient is left out (training applies L1 by its proximal step).
    """
    penalty.add_gradient(theta[:n_coef], grad[:n_coef], l1=l1)
    grad /= weight_sum


class LocalBatch:
    """The full-batch objective over rows held here: the one batch a
    full-batch solver evaluates (:mod:`skmlp._lbfgs`, the ``full_batch``
    optimizers of :mod:`skmlp._training`).

    A batch is anything with ``n_samples``, ``weight_sum`` and
    ``loss_and_grad(objective, theta, grad, finish=True)``: the solvers see
    only that, so the rows may live elsewhere (:mod:`skmlp._distributed`
    sums the gradients of chunks held by Dask workers).
    """

    def __init__(self, data, layout, dtype):
        self.data = data
        self.n_samples = data.X.shape[0]
        self.weight_sum = total_weight(data.X, data.sample_weight)
        self.workspace = Workspace(layout, self.n_samples, dtype)

    def loss_and_grad(self, objective, theta, grad, finish=True):
        """:func:`loss_and_grad` on the rows, in the batch's workspace."""
        return loss_and_grad(
            objective, theta, grad, *self.data, self.workspace, finish=finish
        )


def total_weight(X, sample_weight):
    """The minibatch's normalizer: its row count, or its sum of weights."""
    return X.shape[0] if sample_weight is None else np.add.reduce(sample_weight)
