"""Smaller models from fitted ones: pruning, quantization, low rank, shared
weights, distillation, and a report of what a model costs.

Every function takes a fitted :class:`~skmlp.MLPClassifier` or
:class:`~skmlp.MLPRegressor`, leaves it untouched, and returns a new fitted
estimator of the same class, with the same parameters (but
``hidden_layer_sizes`` when units are removed): it predicts, scores, pickles
and sits in a :class:`~sklearn.pipeline.Pipeline` like the original.  Its
``coefs_`` hold the compressed layers (:mod:`skmlp.weights`), from which
predictions are computed; the methods compose, each taking the others'
results:

>>> from sklearn.datasets import load_digits
>>> from skmlp import MLPClassifier
>>> from skmlp.compression import prune, quantize, report, share_weights
>>> X, y = load_digits(return_X_y=True)
>>> X = X / 16
>>> model = MLPClassifier((64,), max_iter=50, random_state=0).fit(X, y)
>>> small = quantize(share_weights(prune(model, 0.8, X=X, y=y), 16), bits=8)
>>> report(small).pickled_bytes < report(model).pickled_bytes / 8
True
>>> bool(small.score(X, y) > 0.95)
True

Training a compressed model further (``warm_start=True``, ``partial_fit``)
trains its decoded weights in floating point, keeping pruned weights at
exactly zero; quantize or share its weights again afterwards.

The measured trade-offs on digits are in ``docs/compression.md``
(``python benchmarks/bench_compression.py``).
"""

from __future__ import annotations

import math
import pickle
from dataclasses import asdict, dataclass
from numbers import Integral, Real

import numpy as np
from sklearn.base import clone
from sklearn.cluster import KMeans
from sklearn.preprocessing import label_binarize
from sklearn.utils.validation import check_is_fitted

from skmlp import MLPClassifier, MLPRegressor
from skmlp.weights import (
    CodebookValues,
    DenseWeights,
    LowRankWeights,
    QuantizedValues,
    SparseWeights,
    StoredWeights,
    decode_values,
    pack_codes,
)

__all__ = [
    "SizeReport",
    "distill",
    "low_rank",
    "prune",
    "quantize",
    "report",
    "share_weights",
]

_ESTIMATORS = (MLPClassifier, MLPRegressor)


# ---------------------------------------------------------------- checking
def _check_model(estimator, name="estimator"):
    if not isinstance(estimator, _ESTIMATORS):
        raise TypeError(
            f"{name} must be a skmlp MLPClassifier or MLPRegressor, got "
            f"{type(estimator).__name__}."
        )
    check_is_fitted(estimator)


def _check_real(value, name, low, high, closed):
    """``value`` a real number in the interval (``closed``: "left",
    "right", "both" or "neither")."""
    if isinstance(value, bool) or not isinstance(value, Real):
        raise TypeError(f"{name} must be a real number, got {value!r}.")
    above = value >= low if closed in ("left", "both") else value > low
    below = value <= high if closed in ("right", "both") else value < high
    if not (above and below and math.isfinite(value)):
        left = "[" if closed in ("left", "both") else "("
        right = "]" if closed in ("right", "both") else ")"
        raise ValueError(
            f"{name} must be in {left}{low}, {high}{right}, got {value!r}."
        )


def _dense_layers(estimator):
    return [np.asarray(W) for W in estimator.coefs_]


# ------------------------------------------------------------------ pruning
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
    _check_model(estimator)
    _check_real(sparsity, "sparsity", 0, 1, "left")
    if y is not None and X is None:
        raise ValueError("prune was given y without X; pass both to fine-tune.")
    if structured:
        return _prune_units(estimator, sparsity, X, y, sample_weight, max_iter)
    layers = _dense_layers(estimator)
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
    coefs = _dense_layers(estimator)
    intercepts = [b.copy() for b in estimator.intercepts_]
    outputs = estimator._hidden_outputs(X) if X is not None else None
    for layer in range(len(coefs) - 1):
        mean_output = None if outputs is None else np.abs(outputs[layer]).mean(axis=0)
        keep = _units_to_keep(coefs[layer], coefs[layer + 1], mean_output, sparsity)
        folded = _removed_outputs(
            estimator, coefs[layer], intercepts[layer], outputs, layer
        )
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


def _removed_outputs(estimator, W_in, b, outputs, layer):
    """What each unit of ``layer`` passes on when removed: its mean output
    over X, or (without X) its constant output if it has no inputs."""
    if outputs is not None:
        return outputs[layer].mean(axis=0)
    constant = estimator._hidden_outputs(np.zeros((1, estimator.n_features_in_)))
    return np.where(W_in.any(axis=0), 0, constant[layer][0])


# ------------------------------------------------------------- quantization
def quantize(estimator, bits: int = 8):
    r"""Weights as ``bits``-bit integers with one scale per output unit.

    Each weight :math:`w` of output unit :math:`j` is stored as the integer
    :math:`q = \operatorname{round}(w / s_j)`, :math:`|q| \le 2^{b-1} - 1`,
    with :math:`s_j = \max |w_{:,j}| / (2^{b-1} - 1)`
    (:class:`~skmlp.weights.QuantizedValues`): off by at most half a step
    :math:`s_j / 2`, zeros kept exactly.  Predictions multiply with
    :math:`q s_j`, decoded from the stored integers.  Biases stay floats.

    The structure is kept: a pruned layer stays sparse, a low-rank layer's
    factors are each quantized (the left factor per rank component), and a
    shared-weight layer keeps its indices and has its codebook quantized
    (one scale per layer).

    Parameters
    ----------
    estimator : MLPClassifier or MLPRegressor
        A fitted model; it is not modified.
    bits : {8, 4}, default=8
        Bits per weight; 4-bit integers are stored two to a byte.

    Returns
    -------
    quantized : MLPClassifier or MLPRegressor
        The quantized model.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from skmlp import MLPClassifier
    >>> from skmlp.compression import quantize
    >>> X, y = load_iris(return_X_y=True)
    >>> model = MLPClassifier((20,), max_iter=500, random_state=0).fit(X, y)
    >>> small = quantize(model, bits=4)
    >>> small.coefs_[0]
    DenseWeights(shape=(4, 20), dtype=float64)
    >>> bool(abs(small.score(X, y) - model.score(X, y)) < 0.05)
    True
    """
    _check_model(estimator)
    if isinstance(bits, bool) or bits not in (4, 8):
        raise ValueError(f"bits must be 4 or 8, got {bits!r}.")

    def encode(values, groups, n_groups):
        if isinstance(values, CodebookValues):
            book = decode_values(values.codebook)
            codebook = QuantizedValues.quantize(book, bits)
            return CodebookValues(codebook, values.codes, values.bits, values.size)
        return QuantizedValues.quantize(
            decode_values(values, groups), bits, groups, n_groups
        )

    coefs = [_map_values(W, encode) for W in estimator.coefs_]
    return estimator._with_layers(coefs, estimator.intercepts_)


def _map_values(W, encode):
    """``W`` with its values re-encoded by ``encode(values, groups,
    n_groups)``, its structure kept."""
    if isinstance(W, LowRankWeights):
        return LowRankWeights(_map_values(W.left, encode), _map_values(W.right, encode))
    if isinstance(W, SparseWeights):
        values = encode(W.values, W.groups(), W.shape[1])
        return SparseWeights(W.shape, W.indptr, W.indices, values)
    if not isinstance(W, DenseWeights):
        W = np.asarray(W)
        W = DenseWeights(W.shape, W.ravel())
    return DenseWeights(W.shape, encode(W.values, W.groups(), W.shape[1]))


# ----------------------------------------------------------- shared weights
def share_weights(
    estimator, n_values: int = 16, *, init: str = "linear", random_state=None
):
    """Each layer's weights clustered to a codebook of ``n_values`` values.

    The weights of a layer (the stored ones of a pruned layer, each factor
    of a low-rank one) are grouped by one-dimensional k-means
    (:class:`~sklearn.cluster.KMeans`); each weight is then stored as the
    index of its cluster, :math:`\\lceil \\log_2 K \rceil` bits, and the
    codebook holds the clusters' means (:class:`~skmlp.weights.CodebookValues`;
    Han et al., *Deep Compression*, 2016).  A layer with at most
    ``n_values`` distinct weights keeps them exactly.  Structural zeros stay
    zeros; biases stay floats.

    Parameters
    ----------
    estimator : MLPClassifier or MLPRegressor
        A fitted model; it is not modified.
    n_values : int, default=16
        Codebook entries per layer (at least 2, at most 65536).
    init : {"linear", "k-means++", "random"}, default="linear"
        k-means' starting centres: evenly spaced between the smallest and
        the largest weight (which Han et al. found best: it keeps the rare
        large weights), or scikit-learn's.
    random_state : int, RandomState instance or None, default=None
        Seeds k-means (for ``"k-means++"`` and ``"random"``).

    Returns
    -------
    shared : MLPClassifier or MLPRegressor
        The model with shared weights.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.datasets import load_iris
    >>> from skmlp import MLPClassifier
    >>> from skmlp.compression import share_weights
    >>> X, y = load_iris(return_X_y=True)
    >>> model = MLPClassifier((20,), max_iter=500, random_state=0).fit(X, y)
    >>> shared = share_weights(model, n_values=8)
    >>> [np.unique(np.asarray(W)).size for W in shared.coefs_]
    [8, 8]
    """
    _check_model(estimator)
    if isinstance(n_values, bool) or not isinstance(n_values, Integral):
        raise TypeError(f"n_values must be an integer, got {n_values!r}.")
    if not 2 <= n_values <= 2**16:
        raise ValueError(f"n_values must be in [2, 65536], got {n_values}.")
    if init not in ("linear", "k-means++", "random"):
        raise ValueError(
            f"init must be 'linear', 'k-means++' or 'random', got {init!r}."
        )

    def encode(values, groups, n_groups):
        return _codebook(decode_values(values, groups), n_values, init, random_state)

    coefs = [_map_values(W, encode) for W in estimator.coefs_]
    return estimator._with_layers(coefs, estimator.intercepts_)


def _codebook(values, n_values, init, random_state):
    distinct, codes = np.unique(values, return_inverse=True)
    if distinct.shape[0] > n_values:
        column = values.astype(np.float64).reshape(-1, 1)
        if init == "linear":
            init = np.linspace(distinct[0], distinct[-1], n_values).reshape(-1, 1)
        kmeans = KMeans(n_values, init=init, n_init=1, random_state=random_state)
        codes = kmeans.fit_predict(column)
        distinct = kmeans.cluster_centers_.ravel().astype(values.dtype)
    bits = CodebookValues.bits_for(distinct.shape[0])
    return CodebookValues(distinct, pack_codes(codes, bits), bits, values.shape[0])


# ----------------------------------------------------------------- low rank
def low_rank(estimator, *, rank=None, energy: float | None = None):
    """Each layer's weights replaced by a truncated SVD, kept as two factors.

    With :math:`W = U \\Sigma V^\top`, the rank-:math:`r` layer stores
    :math:`U_r \\Sigma_r` (``n_in x r``) and :math:`V_r^\top` (``r x n_out``)
    (:class:`~skmlp.weights.LowRankWeights`) and multiplies through them:
    :math:`r (n_{in} + n_{out})` numbers and multiply-adds per row instead
    of :math:`n_{in} n_{out}`.  It is the best rank-:math:`r` approximation
    (Eckart-Young).  At full rank the layer equals the original up to
    rounding.

    Parameters
    ----------
    estimator : MLPClassifier or MLPRegressor
        A fitted model; it is not modified.
    rank : int or sequence of int, default=None
        Every layer's rank (capped at each layer's full rank
        ``min(n_in, n_out)``; it may not exceed the largest), or one per
        layer (each at most that layer's full rank).
    energy : float in (0, 1], default=None
        Instead of ``rank``: per layer, the smallest rank whose singular
        values keep this fraction of :math:`\\sum_i \\sigma_i^2`.

    Returns
    -------
    factored : MLPClassifier or MLPRegressor
        The low-rank model.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from skmlp import MLPClassifier
    >>> from skmlp.compression import low_rank
    >>> X, y = load_iris(return_X_y=True)
    >>> model = MLPClassifier((20,), max_iter=500, random_state=0).fit(X, y)
    >>> [W.rank for W in low_rank(model, rank=2).coefs_]
    [2, 2]
    >>> [W.rank for W in low_rank(model, energy=1.0).coefs_]
    [4, 3]
    """
    _check_model(estimator)
    layers = _dense_layers(estimator)
    ranks = _ranks(layers, rank, energy)
    coefs = [_factor(W, r) for W, r in zip(layers, ranks)]
    return estimator._with_layers(coefs, estimator.intercepts_)


def _ranks(layers, rank, energy):
    full = [min(W.shape) for W in layers]
    if (rank is None) == (energy is None):
        raise ValueError("low_rank needs exactly one of rank and energy.")
    if energy is not None:
        _check_real(energy, "energy", 0, 1, "right")
        return [_energy_rank(W, energy) for W in layers]
    ranks = [rank] * len(layers) if isinstance(rank, Integral) else list(rank)
    if len(ranks) != len(layers) or not all(
        isinstance(r, Integral) and not isinstance(r, bool) and r >= 1 for r in ranks
    ):
        raise ValueError(
            f"rank must be a positive integer or {len(layers)} of them (one "
            f"per layer), got {rank!r}."
        )
    if isinstance(rank, Integral):
        if rank > max(full):
            raise ValueError(
                f"rank={rank} is larger than any layer allows: the full ranks "
                f"min(n_in, n_out) are {full}."
            )
        return [min(rank, f) for f in full]
    for i, (r, f) in enumerate(zip(ranks, full)):
        if r > f:
            raise ValueError(
                f"rank {r} for layer {i} is larger than its full rank "
                f"min(n_in, n_out) = {f}."
            )
    return ranks


def _energy_rank(W, energy):
    s = np.linalg.svd(W.astype(np.float64), compute_uv=False)
    kept = np.cumsum(s**2) / np.sum(s**2) if s.any() else np.ones_like(s)
    return int(np.searchsorted(kept, energy * (1 - 1e-12)) + 1)


def _factor(W, r):
    U, s, Vt = np.linalg.svd(W.astype(np.float64), full_matrices=False)
    left = (U[:, :r] * s[:r]).astype(W.dtype)
    return LowRankWeights(left, np.ascontiguousarray(Vt[:r]).astype(W.dtype))


# ------------------------------------------------------------- distillation
def distill(
    teacher,
    student,
    X,
    y=None,
    *,
    temperature: float = 2.0,
    hard_weight: float = 0.1,
    sample_weight=None,
):
    """Train a (smaller) student to imitate a fitted teacher.

    A classifier student is fit to the teacher's probabilities softened at
    temperature :math:`T` (Hinton, Vinyals and Dean, 2015),

    .. math::

        t_k = \\frac{\\exp(z_k / T)}{\\sum_l \\exp(z_l / T)}

    with :math:`z` the teacher's logits (per output, :math:`\\sigma(z / T)`,
    for one-output and multilabel teachers), mixed with the one-hot labels
    ``y`` when given, :math:`(1 - h)\\, t + h\\, y`, by the cross-entropy.
    The student learns logits near :math:`z / T`; its output layer is then
    multiplied by :math:`T`, which puts its probabilities on the teacher's
    scale.  For soft targets alone this minimizes Hinton et al.'s objective
    up to the output layer's scale (and its share of the L2 penalty).

    A regressor student is fit to the teacher's predictions, mixed with
    ``y`` the same way when given.

    Parameters
    ----------
    teacher : MLPClassifier or MLPRegressor
        A fitted model; it is not modified.
    student : MLPClassifier or MLPRegressor
        The model to train, of the teacher's kind; its parameters are used
        (it is cloned, never modified).
    X : {array-like, sparse matrix} of shape (n_samples, n_features)
        Inputs to distil on (unlabelled data works).
    y : array-like, default=None
        True labels or targets to mix in.
    temperature : float > 0, default=2.0
        :math:`T`; 1 fits the teacher's probabilities as they are.
    hard_weight : float in [0, 1], default=0.1
        :math:`h`, the weight of ``y`` (ignored without ``y``).
    sample_weight : array-like of shape (n_samples,), default=None
        Sample weights.

    Returns
    -------
    student : MLPClassifier or MLPRegressor
        The fitted student (a new object).

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.preprocessing import scale
    >>> from skmlp import MLPClassifier
    >>> from skmlp.compression import distill
    >>> X, y = load_iris(return_X_y=True)
    >>> X = scale(X)
    >>> teacher = MLPClassifier((50,), max_iter=800, random_state=0).fit(X, y)
    >>> student = MLPClassifier((4,), max_iter=800, random_state=0)
    >>> fitted = distill(teacher, student, X, temperature=2.0)
    >>> bool(fitted.score(X, y) > 0.9)
    True
    """
    _check_model(teacher, "teacher")
    if not isinstance(student, _ESTIMATORS) or (
        isinstance(teacher, MLPClassifier) != isinstance(student, MLPClassifier)
    ):
        raise TypeError(
            f"student must be a skmlp estimator of the teacher's kind "
            f"({type(teacher).__name__}), got {type(student).__name__}."
        )
    _check_real(temperature, "temperature", 0, math.inf, "neither")
    _check_real(hard_weight, "hard_weight", 0, 1, "both")
    student = clone(student)
    if isinstance(teacher, MLPRegressor):
        targets = teacher.predict(X)
        if y is not None:
            targets = (1 - hard_weight) * targets + hard_weight * np.asarray(y)
        return student.fit(X, targets, sample_weight=sample_weight)
    targets = _soft_targets(teacher, X, temperature)
    if y is not None:
        hard = _one_hot(teacher, y, targets.shape)
        targets = (1 - hard_weight) * targets + hard_weight * hard
    if targets.shape[1] == 1:
        targets = targets.ravel()
    student._fit_soft(X, targets, teacher, sample_weight)
    # Views of the flat weights: scaling them scales the trained network.
    student.coefs_[-1] *= temperature
    student.intercepts_[-1] *= temperature
    return student


def _soft_targets(teacher, X, temperature):
    """The teacher's outputs at ``temperature``, encoded like its network's."""
    log_proba = teacher.predict_log_proba(X)
    if teacher.n_outputs_ > 1 and teacher.out_activation_ == "softmax":
        scaled = log_proba / temperature
        scaled -= scaled.max(axis=1, keepdims=True)
        np.exp(scaled, out=scaled)
        return scaled / scaled.sum(axis=1, keepdims=True)
    if teacher.n_outputs_ == 1:
        logit = log_proba[:, 1] - log_proba[:, 0]
    else:
        proba = np.exp(log_proba)
        logit = np.log(proba) - np.log1p(-proba)
    soft = 1 / (1 + np.exp(-logit / temperature))
    return (
        soft.reshape(X.shape[0], -1) if teacher.n_outputs_ > 1 else soft.reshape(-1, 1)
    )


def _one_hot(teacher, y, shape):
    y = np.asarray(y)
    if y.ndim == 2 and y.shape == shape:
        return y.astype(np.float64)
    unknown = np.setdiff1d(np.unique(y), teacher.classes_)
    if unknown.size:
        raise ValueError(
            f"y has classes {unknown.tolist()} that the teacher does not know "
            f"(its classes_ are {teacher.classes_.tolist()})."
        )
    hard = label_binarize(y, classes=teacher.classes_).astype(np.float64)
    return hard if hard.shape[1] == shape[1] else hard[:, -1:]


# ------------------------------------------------------------------- report
@dataclass(frozen=True)
class SizeReport:
    """What a fitted model stores and costs (:func:`report`).

    Attributes
    ----------
    parameters : int
        Numbers stored for its weights and biases: every entry of a dense
        layer, the stored entries of a sparse one, both factors of a
        low-rank one (a quantized or shared weight still counts as one).
    nonzero : int
        Those of them that are not zero.
    nbytes : int
        Bytes of the arrays holding weights and biases in memory (with
        indices, codes, scales and codebooks).
    pickled_bytes : int
        Length of ``pickle.dumps(estimator)``: everything the model stores.
    mult_adds : int
        Multiply-adds per input row to predict (weights only).
    """

    parameters: int
    nonzero: int
    nbytes: int
    pickled_bytes: int
    mult_adds: int

    def ratios(self, reference: SizeReport) -> dict:
        """Each figure divided by ``reference``'s."""
        ours, theirs = asdict(self), asdict(reference)
        return {k: ours[k] / theirs[k] if theirs[k] else math.nan for k in ours}


def report(estimator) -> SizeReport:
    """Parameters, non-zero parameters, bytes and multiply-adds of a model.

    Parameters
    ----------
    estimator : MLPClassifier or MLPRegressor
        Any fitted skmlp estimator, compressed or not.

    Returns
    -------
    report : SizeReport
        Its figures.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from skmlp import MLPClassifier
    >>> from skmlp.compression import report
    >>> X, y = load_iris(return_X_y=True)
    >>> model = MLPClassifier((20,), max_iter=500, random_state=0).fit(X, y)
    >>> r = report(model)
    >>> r.parameters, r.mult_adds
    (163, 140)
    """
    _check_model(estimator)
    layers, biases = estimator.coefs_, estimator.intercepts_
    return SizeReport(
        parameters=sum(_stored(W) for W in layers) + sum(b.size for b in biases),
        nonzero=sum(_nonzero(W) for W in layers)
        + sum(int(np.count_nonzero(b)) for b in biases),
        nbytes=sum(W.nbytes for W in layers) + sum(b.nbytes for b in biases),
        pickled_bytes=len(pickle.dumps(estimator)),
        mult_adds=sum(
            _stored(W) if isinstance(W, np.ndarray) else W.mult_adds for W in layers
        ),
    )


def _stored(W):
    return W.size if isinstance(W, np.ndarray) else W.n_stored


def _nonzero(W):
    if isinstance(W, LowRankWeights):
        return _nonzero(W.left) + _nonzero(W.right)
    if isinstance(W, StoredWeights) and not isinstance(W, SparseWeights):
        return int(np.count_nonzero(np.asarray(W)))
    values = W if isinstance(W, np.ndarray) else decode_values(W.values, W.groups())
    return int(np.count_nonzero(values))
