"""Pruning: the smallest weights zeroed, or the least important units removed."""

from __future__ import annotations

import math
from numbers import Integral

import numpy as np

from skmlp.compression._checks import check_model, check_real, dense_layers
from skmlp.weights import SparseWeights


def prune(
    estimator,
    sparsity: float,
    *,
    structured: bool = False,
    per_layer: bool = False,
    X=None,
    y=None,
    sample_weight=None,
    max_iter: int | None = None,
):
    """Magnitude pruning: the smallest weights set to zero, or whole units removed.

    Unstructured (the default), the ``sparsity`` fraction of weights with
    the smallest :math:`|w|` become exactly zero, ranked over all layers
    together (or within each layer, ``per_layer=True``); weights already
    zero count, and stay zero.  The layers are stored as
    :class:`~skmlp.weights.SparseWeights`.  Biases are never pruned.

    Structured (``structured=True``), each hidden layer loses the
    ``sparsity`` fraction of its units (at least one unit stays), the least
    important first, and the result is a smaller dense network
    (``hidden_layer_sizes`` shrinks).  Unit :math:`j` of a layer with
    incoming weights :math:`W`, outgoing weights :math:`W'` and outputs
    :math:`a_j` has importance

    .. math::

        I_j = \\bar{a}_j \\, \\lVert W'_{j,:} \\rVert_2, \\qquad
        \\bar{a}_j = \\tfrac1n \\textstyle\\sum_i |a_j(x_i)|
        \\ \\text{with } X, \\quad
        \\lVert W_{:,j} \\rVert_2 \\ \\text{without},

    the size of what it passes on.  A unit of importance 0 (no incoming or
    no outgoing weight, as ``penalty="group"`` leaves them) is always
    removed, exactly: its constant output :math:`f(b_j)` is folded into the
    next layer's biases.  With ``X``, every removed unit's mean output over
    ``X`` is folded in the same way.

    Given ``X`` and ``y``, the pruned model is trained further
    (``warm_start``, the estimator's own solver and settings, ``max_iter``
    epochs or iterations, by default the estimator's); pruned weights stay
    exactly zero throughout.

    Parameters
    ----------
    estimator : MLPClassifier or MLPRegressor
        A fitted model; it is not modified.
    sparsity : float in [0, 1)
        The fraction of weights set to zero (structured: of each hidden
        layer's units removed).
    structured : bool, default=False
        Remove units instead of single weights.
    per_layer : bool, default=False
        Unstructured: reach ``sparsity`` in every layer rather than over all
        weights together.
    X : {array-like, sparse matrix} of shape (n_samples, n_features), default=None
        Data to rank units on (structured) and to fine-tune on, with ``y``.
    y : array-like of shape (n_samples,) or (n_samples, n_outputs), default=None
        Targets to fine-tune on; without them nothing is trained.
    sample_weight : array-like of shape (n_samples,), default=None
        Sample weights for fine-tuning.
    max_iter : int, default=None
        Epochs (or L-BFGS iterations) of fine-tuning; None uses the
        estimator's ``max_iter``.

    Returns
    -------
    pruned : MLPClassifier or MLPRegressor
        The pruned model.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.datasets import load_iris
    >>> from skmlp import MLPClassifier
    >>> from skmlp.compression import prune
    >>> X, y = load_iris(return_X_y=True)
    >>> model = MLPClassifier((20,), max_iter=500, random_state=0).fit(X, y)
    >>> pruned = prune(model, 0.5, X=X, y=y, max_iter=100)
    >>> [round(float(s), 2) for s in pruned.sparsity_]
    [0.5, 0.5]
    >>> smaller = prune(model, 0.5, structured=True, X=X, y=y, max_iter=100)
    >>> smaller.hidden_layer_sizes
    (10,)
    """
    check_model(estimator)
    check_real(sparsity, "sparsity", 0, 1, "left")
    if y is not None and X is None:
        raise ValueError("prune was given y without X; pass both to fine-tune.")
    if structured:
        return _prune_units(estimator, sparsity, X, y, sample_weight, max_iter)
    layers = dense_layers(estimator)
    keep = _keep_masks(layers, sparsity, per_layer)
    coefs = [SparseWeights.from_dense(W, k) for W, k in zip(layers, keep)]
    pruned = estimator._with_layers(coefs, estimator.intercepts_)
    if y is None:
        return pruned
    tuned = _fine_tune(pruned, X, y, sample_weight, max_iter)
    coefs = [SparseWeights.from_dense(W, k) for W, k in zip(tuned.coefs_, keep)]
    return tuned._with_layers(coefs, tuned.intercepts_)


def _keep_masks(layers, sparsity, per_layer):
    """Boolean masks of the weights kept: all but the ``sparsity`` fraction
    of smallest magnitudes, over all layers or within each."""
    if per_layer:
        return [
            _keep_largest(np.abs(W).ravel(), sparsity).reshape(W.shape) for W in layers
        ]
    keep = _keep_largest(np.concatenate([np.abs(W).ravel() for W in layers]), sparsity)
    bounds = np.cumsum([0] + [W.size for W in layers])
    return [keep[a:b].reshape(W.shape) for a, b, W in zip(bounds, bounds[1:], layers)]


def _n_reaching(fraction, n):
    """The fewest of ``n`` whose share reaches ``fraction``, the share
    computed as it is checked (``count / n``), so rounding cannot fall short."""
    count = min(math.ceil(fraction * n), n)
    while count > 0 and (count - 1) / n >= fraction:
        count -= 1
    return count


def _keep_largest(magnitudes, sparsity):
    n = magnitudes.shape[0]
    n_zero = _n_reaching(sparsity, n)
    keep = np.ones(n, dtype=bool)
    keep[np.argsort(magnitudes, kind="stable")[:n_zero]] = False
    return keep


def _fine_tune(model, X, y, sample_weight, max_iter):
    """``model`` trained further on ``(X, y)`` (it is a copy: modified)."""
    if max_iter is not None and (
        isinstance(max_iter, bool) or not isinstance(max_iter, Integral) or max_iter < 1
    ):
        raise ValueError(f"max_iter must be a positive integer, got {max_iter!r}.")
    saved = model.get_params()
    model.set_params(warm_start=True, max_iter=max_iter or saved["max_iter"])
    model.fit(X, y, sample_weight=sample_weight)
    model.set_params(warm_start=saved["warm_start"], max_iter=saved["max_iter"])
    return model


def _prune_units(estimator, sparsity, X, y, sample_weight, max_iter):
    coefs = dense_layers(estimator)
    intercepts = [b.copy() for b in estimator.intercepts_]
    outputs = estimator._hidden_outputs(X) if X is not None else None
    for layer in range(len(coefs) - 1):
        mean_output = None if outputs is None else np.abs(outputs[layer]).mean(axis=0)
        keep = _units_to_keep(coefs[layer], coefs[layer + 1], mean_output, sparsity)
        folded = _removed_outputs(estimator, coefs[layer], outputs, layer)
        intercepts[layer + 1] = (
            intercepts[layer + 1] + (folded * ~keep) @ coefs[layer + 1]
        )
        coefs[layer], intercepts[layer] = coefs[layer][:, keep], intercepts[layer][keep]
        coefs[layer + 1] = coefs[layer + 1][keep]
    pruned = estimator._with_layers(coefs, intercepts)
    if y is None:
        return pruned
    tuned = _fine_tune(pruned, X, y, sample_weight, max_iter)
    return tuned._with_layers(tuned.coefs_, tuned.intercepts_)


def _units_to_keep(W_in, W_out, mean_output, sparsity):
    """The units kept: the most important ones, never one of importance 0."""
    scale = np.linalg.norm(W_in, axis=0) if mean_output is None else mean_output
    importance = scale * np.linalg.norm(W_out, axis=1)
    importance[~W_in.any(axis=0) | ~W_out.any(axis=1)] = 0
    n_units = importance.shape[0]
    n_live = np.count_nonzero(importance)
    n_keep = max(1, min(n_units - _n_reaching(sparsity, n_units), n_live))
    keep = np.zeros(n_units, dtype=bool)
    keep[np.argsort(-importance, kind="stable")[:n_keep]] = True
    return keep


def _removed_outputs(estimator, W_in, outputs, layer):
    """What each unit of ``layer`` passes on when removed: its mean output
    over X, or (without X) its constant output if it has no inputs."""
    if outputs is not None:
        return outputs[layer].mean(axis=0)
    constant = estimator._hidden_outputs(np.zeros((1, estimator.n_features_in_)))
    return np.where(W_in.any(axis=0), 0, constant[layer][0])
