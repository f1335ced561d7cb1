"""Fewer bits per weight: quantization, shared weights, low-rank factors."""

from __future__ import annotations

from numbers import Integral

import numpy as np
from sklearn.cluster import KMeans

from skmlp.compression._checks import check_model, check_real, dense_layers
from skmlp.weights import (
    CodebookValues,
    DenseWeights,
    LowRankWeights,
    QuantizedValues,
    SparseWeights,
    decode_values,
    pack_codes,
)


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
    check_model(estimator)
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


def share_weights(
    estimator, n_values: int = 16, *, init: str = "linear", random_state=None
):
    """Each layer's weights clustered to a codebook of ``n_values`` values.

    The weights of a layer (the stored ones of a pruned layer, each factor
    of a low-rank one) are grouped by one-dimensional k-means
    (:class:`~sklearn.cluster.KMeans`); each weight is then stored as the
    index of its cluster, :math:`\\lceil \\log_2 K \\rceil` bits, and the
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
    check_model(estimator)
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


def low_rank(estimator, *, rank=None, energy: float | None = None):
    """Each layer's weights replaced by a truncated SVD, kept as two factors.

    With :math:`W = U \\Sigma V^\top`, the rank-:math:`r` layer stores
    :math:`U_r \\Sigma_r` (``n_in x r``) and :math:`V_r^\top` (``r x n_out``)
    (:class:`~skmlp.weights.LowRankWeights`) and multiplies through them:
    :math:`r (n_{in} + n_{out})` numbers and multiply-adds per row instead
    of :math:`n_{in} n_{out}`, which is fewer only for
    :math:`r < n_{in} n_{out} / (n_{in} + n_{out})` (128 for a 256 x 256
    layer, under 10 for a 256 x 10 one).  It is the best rank-:math:`r`
    approximation (Eckart-Young).  At full rank the layer equals the
    original up to rounding.

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
    check_model(estimator)
    layers = dense_layers(estimator)
    ranks = _ranks(layers, rank, energy)
    coefs = [_factor(W, r) for W, r in zip(layers, ranks)]
    return estimator._with_layers(coefs, estimator.intercepts_)


def _ranks(layers, rank, energy):
    full = [min(W.shape) for W in layers]
    if (rank is None) == (energy is None):
        raise ValueError("low_rank needs exactly one of rank and energy.")
    if energy is not None:
        check_real(energy, "energy", 0, 1, "right")
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
    # A hair below ``energy``: the cumulative share may round to just under
    # 1.0 at full energy.
    return min(int(np.searchsorted(kept, energy * (1 - 1e-12))) + 1, s.shape[0])


def _factor(W, r):
    U, s, Vt = np.linalg.svd(W.astype(np.float64), full_matrices=False)
    left = (U[:, :r] * s[:r]).astype(W.dtype)
    return LowRankWeights(left, np.ascontiguousarray(Vt[:r]).astype(W.dtype))
