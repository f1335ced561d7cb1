"""Weight penalties: L2, L1 and elastic net, with the proximal operator of L1.

For a minibatch whose sample weights sum to :math:`n` (its size without
weights), the penalty added to the mean data loss is, with strength
:math:`\\alpha` and mix :math:`r` (``l1_ratio``),

.. math::

    R(W) = \\frac{\\alpha}{n} \\Big( \\frac{1 - r}{2} \\lVert W \\rVert_2^2
           + r \\lVert W \\rVert_1 \\Big)

over every weight matrix, biases never included (scikit-learn's MLP
convention, :math:`\\alpha / (2n) \\lVert W \\rVert^2`, for L2):

=============  ===============  =============================================
``penalty``    :math:`r`        meaning
=============  ===============  =============================================
``"l2"``       0                ridge, scikit-learn's MLP ``alpha``
``"l1"``       1                lasso: drives weights to exact zeros
``"elasticnet"`` ``l1_ratio``   both, as in :class:`~sklearn.linear_model.SGDClassifier`
``None``       (no penalty)     :math:`\\alpha` is ignored
=============  ===============  =============================================

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

__all__ = ["PENALTIES", "Penalty", "penalty_from_params", "soft_threshold"]

#: Elements per piece of a pass over the weights (fits in the L2 cache).
_PIECE = 1 << 16


class Penalty(NamedTuple):
    """A penalty's strength split into its L2 and L1 parts (before the ``/ n``).

    ``l2`` multiplies :math:`\\frac12 \\lVert W \\rVert^2` and ``l1``
    multiplies :math:`\\lVert W \\rVert_1`.

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

    def value(self, layers: list[np.ndarray]) -> float:
        """:math:`l_2 \\lVert W \\rVert^2 / 2 + l_1 \\lVert W \\rVert_1` over
        the weight matrices ``layers`` (each flattened to a vector).

        The squared norm is summed a layer at a time, each layer's by
        ``np.dot``, and multiplied by ``l2 / 2`` after: scikit-learn's
        operations, so for L2 the same bits as its MLP's penalty.
        """
        total = 0.0
        if self.l2:
            total = (0.5 * self.l2) * sum(np.dot(w, w) for w in layers)
        if self.l1:
            total += self.l1 * sum(np.add.reduce(np.abs(w)) for w in layers)
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


#: ``penalty`` name -> function of (alpha, l1_ratio) giving the two parts.
PENALTIES = {
    "l2": lambda alpha, l1_ratio: Penalty(l2=alpha, l1=0.0),
    "l1": lambda alpha, l1_ratio: Penalty(l2=0.0, l1=alpha),
    "elasticnet": lambda alpha, l1_ratio: Penalty(
        l2=alpha * (1 - l1_ratio), l1=alpha * l1_ratio
    ),
    None: lambda alpha, l1_ratio: Penalty(l2=0.0, l1=0.0),
}


def penalty_from_params(penalty: str | None, alpha: float, l1_ratio: float) -> Penalty:
    """The :class:`Penalty` an estimator's ``penalty``, ``alpha``, ``l1_ratio`` mean.

    Examples
    --------
    >>> from skmlp.penalties import penalty_from_params
    >>> penalty_from_params("elasticnet", alpha=1.0, l1_ratio=0.25)
    Penalty(l2=0.75, l1=0.25)
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
