"""What a fitted model stores and costs."""

from __future__ import annotations

import math
import pickle
from dataclasses import asdict, dataclass

import numpy as np

from skmlp.compression._checks import check_model
from skmlp.weights import LowRankWeights, SparseWeights, StoredWeights, decode_values


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
    check_model(estimator)
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
