"""Weight penalties: L2, L1, elastic net and group lasso, with the proximal
operators of L1 and of the group norm.

For a minibatch whose sample weights sum to :math:`n` (its size without
weights), the penalty added to the mean data loss is, with strength
:math:`\\alpha` and mix :math:`r` (``l1_ratio``),

.. math::

    R(W) = \\frac{\\alpha}{n} \\Big( \\frac{1 - r}{2} \\lVert W \\rVert_2^2
           + r \\lVert W \\rVert_1 \\Big)

over every weight matrix, biases never included (scikit-learn's MLP
convention, :math:`\\alpha / (2n) \\lVert W \\rVert^2`, for L2):

================  =============  =============================================
``penalty``       :math:`r`      meaning
================  =============  =============================================
``"l2"``          0              ridge, scikit-learn's MLP ``alpha``
``"l1"``          1              lasso: drives weights to exact zeros
``"elasticnet"``  ``l1_ratio``   both, as in :class:`sklearn.linear_model.SGDClassifier`
``"group"``       (see below)    group lasso: drives whole hidden units to 0
``None``          (no penalty)   :math:`\\alpha` is ignored
================  =============  =============================================

The smooth L2 part enters the gradient. The L1 part is not differentiable at
0, so training applies it by its *proximal operator*, soft thresholding,

.. math::

    \\operatorname{prox}_{\\tau}(w) = \\operatorname{sign}(w)\\max(|w| - \\tau, 0),

after every optimizer step, with :math:`\\tau = s\\, \\alpha r / n` and
:math:`s` the optimizer's step size for that weight: the learning rate
:math:`\\eta` for GD and Momentum, :math:`\\eta / (1 - \\mu)` for SGD with
momentum :math:`\\mu` (the step its velocity settles to), the per-weight Adam,
AdaGrad or RMSprop step otherwise.  Each makes the points where training
comes to rest the minima of the penalized objective.
For ``"gd"`` this is exactly the proximal-gradient method,
:math:`W \\leftarrow \\operatorname{prox}_{\\eta \\alpha r / n}(W - \\eta g)`.
L-BFGS instead splits :math:`W = P - N` with :math:`P, N \\ge 0`, which turns
the L1 term into the linear :math:`\\sum (P + N)` and lets L-BFGS-B's bounds
produce the exact zeros.

Fitted estimators report the zeros: ``sparsity_`` is the fraction of exactly
zero weights in each layer and ``dropped_features_`` lists the inputs whose
every first-layer weight is zero (they no longer affect predictions).

Group lasso (``penalty="group"``): the groups are the hidden units' incoming
weights, the columns :math:`W_l[:, j]` of every hidden layer's matrix, and

.. math::

    R(W) = \\frac{\\alpha}{n} \\sum_{l < L} \\sqrt{n_l}
           \\sum_j \\lVert W_l[:, j] \\rVert_2,

:math:`n_l` the layer's fan-in.  The :math:`\\sqrt{n_l}` of Yuan and Lin
(2006) makes :math:`\\alpha` mean the same in layers of different fan-in: a
column of :math:`n_l` weights of size :math:`w` costs
:math:`\\alpha\\, n_l |w| / n`, as under L1.  The output layer :math:`L`
is not penalized (its columns are the outputs, which cannot be removed),
nor are the biases.  A unit whose column is zero outputs the constant
:math:`f(b_j)`; folding :math:`f(b_j) W_{l+1}[j, :]` into the next layer's
biases removes it without changing any prediction, and ``dropped_units_``
lists these units per hidden layer.

The group norm is not differentiable at 0 either, so the stochastic solvers
apply it by its proximal operator after every optimizer step, block soft
thresholding,

.. math::

    w_g \\leftarrow w_g \\max\\big(0,\\ 1 - \\tau / \\lVert w_g \\rVert_2\\big),
    \\qquad \\tau = s\\, \\alpha \\sqrt{n_l} / n,

with :math:`s` the optimizer's step as for L1 (:func:`block_soft_threshold`).
Where the step is one per weight (Adam, AdaGrad, RMSprop) it is the proximal
step in the metric of those steps (:func:`scaled_block_soft_threshold`):
the only choice whose rest points are exactly the minima of the penalized
objective, as the per-weight threshold is for L1 (a group-wide mean or
maximum step is not).  The thresholds are applied after L1's, which for a
scalar step is the proximal operator of their sum.

L-BFGS minimizes the objective with the group term replaced by its Moreau
envelope, :math:`\\lambda` times the Huber function of each column's norm
(quadratic up to a radius :math:`\\rho = 10^{-3}`, a thousandth of a
Glorot-initialized column's norm; :func:`group_envelope`), which is smooth;
at its minimum a column beyond :math:`\\rho` meets the exact optimality
condition, and one within it has a data gradient of norm at most
:math:`\\lambda`, the condition for a zero column.  So at the end the columns
within :math:`\\rho` are set to exactly 0 (:func:`zero_small_groups`) and the
others kept as they are, and ``loss_`` is the exact objective there.
(Mapping the result through the envelope's proximal operator instead would
also shrink every kept column by :math:`\\rho`, off its optimum.)

On the standardized digits (``train_test_split(test_size=0.3,
random_state=0)``, ``StandardScaler`` fit on the training part, float32),
``MLPClassifier(hidden_layer_sizes=(256, 256), max_iter=300, random_state=0,
penalty="group", alpha=0.1)`` (Adam) drops 237 of the first layer's 256 units
and 236 of the second's, 92% of the hidden units, at a test accuracy of 0.980,
that of ``penalty=None`` (0.980).  Along ``alpha`` = 0.001, 0.003, 0.01, 0.03,
0.1, 0.3, 1 the units dropped (of 512) are 1, 150, 405, 458, 473, 488, 512
at accuracies 0.981, 0.978, 0.974, 0.980, 0.980, 0.969, 0.089 (every unit
gone).  ``solver="lbfgs"``, ``alpha=0.3``: 477 dropped at 0.980 (0.970
without a penalty).

Choosing ``alpha``: ``alpha`` multiplies a penalty divided by the minibatch
size, so useful values are far larger than scikit-learn's L2 default of
``1e-4``. On the standardized digits (``train_test_split(test_size=0.25,
random_state=0, stratify=y)``, ``StandardScaler`` fit on the training part),
``MLPClassifier(hidden_layer_sizes=(64,), solver="adam", penalty="l1",
alpha=1.0, max_iter=200, random_state=0)`` leaves 91.8% of the first layer's
weights exactly zero at a test accuracy of 0.964 (L2 at the same ``alpha``:
no zeros, 0.978); ``max_iter=300`` gives 93.5% zeros at 0.967.  Along
``alpha`` = 0.01, 0.1, 0.3, 1, 3 the L1 zeros are 15%, 62%, 80%, 92%, 96% at
accuracies 0.978, 0.973, 0.971, 0.964, 0.927: start near ``alpha=0.1`` and
raise it while the validation score holds.  ``examples/plot_penalties.py``
draws this trade-off for L1, L2 and elastic net.

Examples
--------
>>> import numpy as np
>>> from skmlp.penalties import soft_threshold
>>> w = np.array([-0.3, 0.05, 0.2])
>>> soft_threshold(w, 0.1, out=w)
array([-0.2,  0. ,  0.1])
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

__all__ = [
    "PENALTIES",
    "Penalty",
    "block_soft_threshold",
    "group_envelope",
    "penalty_from_params",
    "scaled_block_soft_threshold",
    "soft_threshold",
    "weight_matrices",
]

#: Elements per piece of a pass over the weights (fits in the L2 cache).
_PIECE = 1 << 16

#: The scaled block threshold's Newton iterations stop once every column's
#: radius moves by less than this fraction of its scale (float64 round-off).
_NEWTON_RTOL = 4 * np.finfo(np.float64).eps
#: ... or after this many: from the left Newton's iterates rise monotonically
#: to the root, 3 to 6 of them in practice; the cap only guards a bug.
_NEWTON_MAX = 50


class Penalty(NamedTuple):
    """A penalty's strength split into its L2, L1 and group parts (before the
    ``/ n``).

    ``l2`` multiplies :math:`\\frac12 \\lVert W \\rVert^2`, ``l1``
    multiplies :math:`\\lVert W \\rVert_1` and ``group`` the group-lasso
    sum :math:`\\sum_l \\sqrt{n_{in,l}} \\sum_j \\lVert W_l[:, j] \\rVert_2`
    over the hidden layers (see the module docstring).

    Examples
    --------
    >>> from skmlp.penalties import Penalty
    >>> import numpy as np
    >>> float(Penalty(l2=0.5, l1=0.0).value([np.array([2.0, -2.0])]))
    2.0
    >>> float(Penalty(l2=0.0, l1=0.5).value([np.array([2.0]), np.array([-2.0])]))
    2.0
    """

    l2: float
    l1: float
    group: float = 0.0

    def value(
        self, layers: list[np.ndarray], matrices: list[np.ndarray] | None = None
    ) -> float:
        """:math:`l_2 \\lVert W \\rVert^2 / 2 + l_1 \\lVert W \\rVert_1` over
        the weight matrices ``layers`` (each flattened to a vector), plus the
        group part over ``matrices`` (the same weights as 2-D
        ``(n_in, n_out)`` matrices, the output layer's last: the groups are
        the hidden layers' columns), which only the group part needs.

        The squared norm is summed a layer at a time, each layer's by
        ``np.dot``, and multiplied by ``l2 / 2`` after: scikit-learn's
        operations, so for L2 the same bits as its MLP's penalty.

        Examples
        --------
        >>> import numpy as np
        >>> from skmlp.penalties import Penalty
        >>> hidden, output = np.array([[3.0, 0.0], [4.0, 0.0]]), np.ones((2, 1))
        >>> layers = [hidden.ravel(), output.ravel()]
        >>> float(Penalty(0.0, 0.0, group=1.0).value(layers, [hidden, output]))
        7.0710678118654755
        """
        total = 0.0
        if self.l2:
            total = (0.5 * self.l2) * sum(np.dot(w, w) for w in layers)
        if self.l1:
            total += self.l1 * sum(np.add.reduce(np.abs(w)) for w in layers)
        if self.group:
            total += self.group * sum(
                np.sqrt(W.shape[0]) * np.add.reduce(column_norms(W))
                for W in matrices[:-1]
            )
        return total

    def add_gradient(
        self, weights: np.ndarray, grad: np.ndarray, l1: bool = True
    ) -> None:
        """``grad += l2 W`` (and ``+ l1 sign(W)`` with ``l1``), in place.

        ``weights`` and ``grad`` are matching vectors (the weight matrices'
        entries of the flat vectors, or pieces of them).  ``l2 W`` is
        rounded, then added, as scikit-learn does; the work goes a
        cache-sized piece at a time, so no weight-sized temporary is made.

        Examples
        --------
        >>> import numpy as np
        >>> from skmlp.penalties import Penalty
        >>> grad = np.zeros(2)
        >>> Penalty(l2=0.5, l1=0.25).add_gradient(np.array([2.0, -4.0]), grad)
        >>> grad
        array([ 1.25, -2.25])
        """
        l1 = self.l1 if l1 else 0.0
        if not (self.l2 or l1):
            return
        for start in range(0, weights.shape[0], _PIECE):
            w, g = weights[start : start + _PIECE], grad[start : start + _PIECE]
            if self.l2:
                g += self.l2 * w
            if l1:
                g += l1 * np.sign(w)

    def add_group_gradient(
        self, matrices: list[np.ndarray], grads: list[np.ndarray]
    ) -> None:
        """``grads[l] += group sqrt(n_in) W / ||W||`` per column, in place, for
        the hidden layers' ``matrices``: the group part's gradient, and at a
        zero column the subgradient 0 (the one that leaves it at 0).

        Examples
        --------
        >>> import numpy as np
        >>> from skmlp.penalties import Penalty
        >>> G = np.zeros((2, 2))
        >>> W = np.array([[3.0, 0.0], [4.0, 0.0]])
        >>> Penalty(0.0, 0.0, group=0.5).add_group_gradient([W], [G])
        >>> G
        array([[0.42426407, 0.        ],
               [0.56568542, 0.        ]])
        """
        for W, G in zip(matrices, grads):
            norms = column_norms(W)
            scale = self.group * np.sqrt(W.shape[0]) / np.where(norms > 0, norms, 1)
            G += W * np.where(norms > 0, scale, 0).astype(G.dtype, copy=False)

    def proximal(
        self, weights: np.ndarray, step: float | np.ndarray, weight_sum: float
    ) -> None:
        """The L1 part's proximal step, in place: soft thresholding at
        ``step * l1 / weight_sum``, ``step`` the optimizer's step per unit of
        gradient (:func:`skmlp.optimizers.step_size`, a scalar or one per
        weight).

        Examples
        --------
        >>> import numpy as np
        >>> from skmlp.penalties import Penalty
        >>> w = np.array([0.5, 0.05, -2.0])
        >>> Penalty(l2=0.0, l1=1.0).proximal(w, 0.1, weight_sum=1.0)
        >>> w
        array([ 0.4,  0. , -1.9])
        """
        threshold = step * (self.l1 / weight_sum)
        soft_threshold(weights, threshold, out=weights)

    def group_proximal(
        self,
        matrices: list[np.ndarray],
        steps: float | list[np.ndarray],
        weight_sum: float,
    ) -> None:
        """The group part's proximal step, in place, on every hidden layer's
        weight matrix (``matrices`` without the output layer's).

        With a scalar ``step`` (GD, SGD, Momentum) each column is block
        soft-thresholded at ``step * group * sqrt(n_in) / weight_sum``
        (:func:`block_soft_threshold`); with one step per weight (``steps``,
        a list of arrays shaped like ``matrices``: Adam, AdaGrad, RMSprop) by
        the proximal step in the metric of those steps
        (:func:`scaled_block_soft_threshold`), for the reason given there.

        Examples
        --------
        >>> import numpy as np
        >>> from skmlp.penalties import Penalty
        >>> W = np.array([[3.0, 0.1], [4.0, 0.1]])
        >>> Penalty(0.0, 0.0, group=1.0).group_proximal([W], 1.0, weight_sum=2.0)
        >>> W
        array([[2.57573593, 0.        ],
               [3.43431458, 0.        ]])
        """
        for i, W in enumerate(matrices):
            strength = self.group * np.sqrt(W.shape[0]) / weight_sum
            if isinstance(steps, list):
                scaled_block_soft_threshold(W, steps[i], strength, out=W)
            else:
                block_soft_threshold(W, steps * strength, out=W)


#: ``penalty`` name -> function of (alpha, l1_ratio) giving the two parts.
PENALTIES = {
    "l2": lambda alpha, l1_ratio: Penalty(l2=alpha, l1=0.0),
    "l1": lambda alpha, l1_ratio: Penalty(l2=0.0, l1=alpha),
    "elasticnet": lambda alpha, l1_ratio: Penalty(
        l2=alpha * (1 - l1_ratio), l1=alpha * l1_ratio
    ),
    "group": lambda alpha, l1_ratio: Penalty(l2=0.0, l1=0.0, group=alpha),
    None: lambda alpha, l1_ratio: Penalty(l2=0.0, l1=0.0),
}


def penalty_from_params(penalty: str | None, alpha: float, l1_ratio: float) -> Penalty:
    """The :class:`Penalty` an estimator's ``penalty``, ``alpha``, ``l1_ratio`` mean.

    Examples
    --------
    >>> from skmlp.penalties import penalty_from_params
    >>> penalty_from_params("elasticnet", alpha=1.0, l1_ratio=0.25)
    Penalty(l2=0.75, l1=0.25, group=0.0)
    """
    return PENALTIES[penalty](float(alpha), float(l1_ratio))


def soft_threshold(
    weights: np.ndarray,
    threshold: float | np.ndarray,
    out: np.ndarray,
    scratch: np.ndarray | None = None,
) -> np.ndarray:
    """:math:`\\operatorname{sign}(w) \\max(|w| - \\tau, 0)`, elementwise, into ``out``.

    ``threshold`` is a scalar or an array like ``weights``; ``out`` may be
    ``weights`` itself. Weights within the threshold of 0 become exactly 0.
    ``scratch`` (like ``weights``, distinct from ``out``) avoids allocating.

    Examples
    --------
    >>> import numpy as np
    >>> from skmlp.penalties import soft_threshold
    >>> soft_threshold(np.array([1.0, -1.0]), np.array([0.5, 2.0]), np.empty(2))
    array([ 0.5, -0. ])
    """
    sign = np.sign(weights, out=scratch)
    np.abs(weights, out=out)
    out -= threshold
    np.maximum(out, 0, out=out)
    out *= sign
    return out


def column_norms(W: np.ndarray) -> np.ndarray:
    """The Euclidean norm of each column of the matrix ``W``: one per group.

    Examples
    --------
    >>> import numpy as np
    >>> from skmlp.penalties import column_norms
    >>> column_norms(np.array([[3.0, 0.0], [4.0, -2.0]]))
    array([5., 2.])
    """
    return np.sqrt(np.einsum("ij,ij->j", W, W))


def weight_matrices(flat: np.ndarray, shapes: list[tuple[int, int]]) -> list:
    """Views of the consecutive ``(n_in, n_out)`` matrices at the start of
    ``flat``: the weights of a flat parameter vector (or the per-weight steps
    of an optimizer), in :class:`skmlp._network.Layout`'s order.

    Examples
    --------
    >>> import numpy as np
    >>> from skmlp.penalties import weight_matrices
    >>> [W.shape for W in weight_matrices(np.arange(10.0), [(2, 3), (3, 1)])]
    [(2, 3), (3, 1)]
    """
    views, start = [], 0
    for n_in, n_out in shapes:
        views.append(flat[start : start + n_in * n_out].reshape(n_in, n_out))
        start += n_in * n_out
    return views


def block_soft_threshold(
    weights: np.ndarray, threshold: float, out: np.ndarray
) -> np.ndarray:
    """Each column :math:`w` of ``weights`` times :math:`\\max(0, 1 - \\tau /
    \\lVert w \\rVert_2)`, into ``out`` (which may be ``weights``).

    The proximal operator of :math:`\\tau \\lVert w \\rVert_2`: a column whose
    norm is at most :math:`\\tau` becomes exactly 0, the others shrink toward
    0 by :math:`\\tau` in norm, keeping their direction.

    Examples
    --------
    >>> import numpy as np
    >>> from skmlp.penalties import block_soft_threshold
    >>> block_soft_threshold(np.array([[3.0, 0.3], [4.0, 0.4]]), 1.0, np.empty((2, 2)))
    array([[2.4, 0. ],
           [3.2, 0. ]])
    """
    norms = column_norms(weights)
    # A zero column stays zero (its factor is 0, not 0 / 0).
    factor = np.maximum(norms - threshold, 0) / np.where(norms > 0, norms, 1)
    return np.multiply(weights, factor.astype(weights.dtype, copy=False), out=out)


def scaled_block_soft_threshold(
    weights: np.ndarray, steps: np.ndarray, strength: float, out: np.ndarray
) -> np.ndarray:
    """Block soft thresholding in the metric of per-weight steps, into ``out``.

    For each column :math:`v` of ``weights`` and the matching column
    :math:`d > 0` of ``steps``, the minimizer of

    .. math::

        \\lambda \\lVert u \\rVert_2 + \\tfrac12 (u - v)^\\top D^{-1} (u - v),
        \\qquad D = \\operatorname{diag}(d),

    (:math:`\\lambda` = ``strength``): 0 when :math:`\\lVert v / d \\rVert_2
    \\le \\lambda`, else :math:`u_i = v_i\\, r / (r + \\lambda d_i)` with
    :math:`r = \\lVert u \\rVert` the root of :math:`\\sum_i v_i^2 / (r +
    \\lambda d_i)^2 = 1`, found by Newton's method on :math:`\\psi(r) =
    (\\sum_i v_i^2 / (r + \\lambda d_i)^2)^{-1/2}`, which is concave and
    nearly linear (exactly linear for equal :math:`d_i`; the trust-region
    secular equation of Moré and Sorensen, 1983), so the iterates rise from
    :math:`r = 0` to the root without overshooting.  With equal steps
    :math:`d` it is :func:`block_soft_threshold` at :math:`\\lambda d`.

    Why this metric: an adaptive optimizer moves weight :math:`i` by
    :math:`-d_i g_i`, and the proximal step in the same metric makes its rest
    points exactly the minima of the penalized objective (a nonzero group
    rests where :math:`g = -\\lambda u / \\lVert u \\rVert`, a zero group where
    :math:`\\lVert g \\rVert \\le \\lambda`), as the per-weight threshold does
    for L1.  One step per group (the mean or the largest of its
    :math:`d_i`) would leave adaptive optimizers resting elsewhere.  Computed
    in float64 (cast back to ``out``'s dtype).

    Examples
    --------
    >>> import numpy as np
    >>> from skmlp.penalties import scaled_block_soft_threshold
    >>> v = np.array([[3.0, 0.3], [4.0, 0.4]])
    >>> scaled_block_soft_threshold(v, np.full((2, 2), 0.5), 2.0, np.empty((2, 2)))
    array([[2.4, 0. ],
           [3.2, 0. ]])
    """
    n_in, n_out = weights.shape
    # A block of columns at a time, in four float64 buffers of at most
    # _PIECE entries allocated once per call: fewer and smaller temporaries
    # than whole-matrix float64 copies (which cost page faults every step).
    width = max(1, min(n_out, _PIECE // max(n_in, 1)))
    buffers = np.empty((4, n_in * width))
    for start in range(0, n_out, width):
        cols = slice(start, min(start + width, n_out))
        _scaled_block(weights[:, cols], steps[:, cols], strength, out[:, cols], buffers)
    return out


def _scaled_block(weights, steps, strength, out, buffers):
    """:func:`scaled_block_soft_threshold` on the columns ``weights``, with
    ``buffers`` (4 rows of at least their size) as its float64 workspace."""
    n_in, k = weights.shape
    v, b, t, s = (row[: n_in * k].reshape(n_in, k) for row in buffers)
    np.copyto(v, weights)
    np.multiply(steps, strength, out=b, dtype=np.float64)
    keep = column_norms(np.divide(v, steps, out=s)) > strength
    if not keep.all():
        m = int(np.count_nonzero(keep))
        v, b = v[:, keep], b[:, keep]
        t, s = (row[: n_in * m].reshape(n_in, m) for row in buffers[2:])
    r = _secular_root(v, b, t, s)
    np.add(b, r, out=t)
    np.divide(r, t, out=t)
    if keep.all():
        np.multiply(v, t, out=out, casting="same_kind")
    else:
        out[...] = 0
        out[:, keep] = np.multiply(v, t, out=v)


def _secular_root(v, b, t, s):
    """Per column, the root ``r > 0`` of ``sum_i v_i^2 / (r + b_i)^2 = 1``
    (each column's ``||v / b|| > 1``), by Newton's method on the concave
    ``psi = (sum_i v_i^2 / (r + b_i)^2)^(-1/2)`` from below, in the buffers
    ``t`` and ``s`` (like ``v``).  The start, ``||v||`` less the
    ``v_i^2``-weighted mean of the ``b_i``, is below the root by Jensen's
    inequality (``1 / x^2`` is convex, so the sum there is at least 1), or
    0; it saves about one iteration over ``||v|| - max_i b_i``."""
    b_max = b.max(axis=0, initial=0)
    squares = np.einsum("ij,ij->j", v, v)
    mean_b = np.einsum("ij,ij,ij->j", v, v, b) / np.where(squares > 0, squares, 1)
    r = np.maximum(np.sqrt(squares) - mean_b, 0)
    for _ in range(_NEWTON_MAX):
        np.add(b, r, out=t)
        np.divide(v, t, out=s)
        phi = np.einsum("ij,ij->j", s, s)
        np.divide(s, t, out=t)
        # psi' = phi^(-3/2) sum(v^2 / t^3); the Newton step on psi = 1.
        delta = (1 - phi**-0.5) / (phi**-1.5 * np.einsum("ij,ij->j", s, t))
        r += delta
        if (delta <= _NEWTON_RTOL * (r + b_max)).all():
            break
    return r


def group_envelope(
    matrices: list[np.ndarray],
    strengths: list[float],
    radius: float,
    grads: list[np.ndarray],
) -> float:
    """The group term smoothed for L-BFGS (its Moreau envelope), and its
    gradient added into ``grads``.

    Each column :math:`w` of ``matrices[l]`` costs ``strengths[l]`` times the
    Huber function of its norm, :math:`\\lVert w \\rVert^2 / (2\\rho)` up to
    :math:`\\rho` = ``radius``, :math:`\\lVert w \\rVert - \\rho / 2` beyond:
    the Moreau envelope of :math:`\\lambda \\lVert w \\rVert` with smoothing
    :math:`\\rho / \\lambda`.  Its gradient, :math:`\\lambda w / \\max(\\lVert
    w \\rVert, \\rho)`, is the group term's own outside the radius.

    Examples
    --------
    >>> import numpy as np
    >>> from skmlp.penalties import group_envelope
    >>> W, G = np.array([[3.0, 0.0], [4.0, 0.1]]), np.zeros((2, 2))
    >>> float(group_envelope([W], [2.0], 1.0, [G]))
    9.01
    >>> G
    array([[1.2, 0. ],
           [1.6, 0.2]])
    """
    total = 0.0
    for W, strength, G in zip(matrices, strengths, grads):
        norms = column_norms(W)
        huber = np.where(norms <= radius, norms**2 / (2 * radius), norms - radius / 2)
        total += strength * np.add.reduce(huber)
        G += W * (strength / np.maximum(norms, radius))
    return total


def zero_small_groups(matrices: list[np.ndarray], radius: float) -> None:
    """Set to exactly 0, in place, every column of norm at most ``radius``.

    Examples
    --------
    >>> import numpy as np
    >>> from skmlp.penalties import zero_small_groups
    >>> W = np.array([[3.0, 1e-4], [4.0, 0.0]])
    >>> zero_small_groups([W], 1e-3)
    >>> W
    array([[3., 0.],
           [4., 0.]])
    """
    for W in matrices:
        W[:, column_norms(W) <= radius] = 0
