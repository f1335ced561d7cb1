"""A validation set: given to ``fit`` (``X_val``, ``y_val``,
``sample_weight_val``, as scikit-learn's ``HistGradientBoostingClassifier``
takes one) or split off for early stopping.

With ``early_stopping=True`` its score decides when training stops and which
weights are kept.  Whenever there is one, the objective at the validation
set is recorded after each epoch (or L-BFGS iteration) as
``validation_loss_curve_``: the value :func:`skmlp._network.loss_and_grad`
gives for the validation set as one batch (the mean sample-weighted loss
plus the penalty over the validation weight sum), computed by a forward pass
into buffers of its own, so that training is the same to the bit with or
without it.
"""

from __future__ import annotations

import numpy as np
from sklearn.utils.validation import _check_sample_weight, check_consistent_length

from skmlp._network import Workspace, objective_value
from skmlp._training import Data


def check_given(X_val, y_val, sample_weight_val):
    """Whether a validation set was given; a half-given one is an error."""
    if X_val is None and y_val is None:
        if sample_weight_val is not None:
            raise ValueError(
                "sample_weight_val is given without a validation set: pass "
                "X_val and y_val as well."
            )
        return False
    if y_val is None:
        raise ValueError("X_val is provided, but y_val was not provided.")
    if X_val is None:
        raise ValueError("y_val is provided, but X_val was not provided.")
    return True


def validation_data(estimator, X_val, y_val, sample_weight_val, n_outputs):
    """The given validation set checked against the fit (its ``n_outputs``)
    and encoded like the training data: a :class:`~skmlp._training.Data`.

    ``X_val`` must have the training features, ``y_val`` the training
    classes (classifier) or outputs, both the same number of rows; any
    problem is a ValueError that says it is the validation set's.
    """
    try:
        check_consistent_length(X_val, y_val)
        X, Y = estimator._validate_input(X_val, y_val, incremental=True, reset=False)
        if Y.ndim == 1:
            Y = Y.reshape(-1, 1)
        if Y.shape[1] != n_outputs:
            raise ValueError(
                f"y_val has {Y.shape[1]} output column(s) but y has {n_outputs}."
            )
        sw = sample_weight_val
        if sw is not None:
            sw = _check_sample_weight(sw, X, dtype=np.float64, ensure_non_negative=True)
        sw = estimator._weigh_classes(Y, sw, X)
        if sw is not None and not sw.sum() > 0:
            raise ValueError(
                "Sample weights must contain at least one non-zero number "
                "(after class_weight)."
            )
    except ValueError as error:
        raise ValueError(f"Invalid validation set (X_val, y_val): {error}") from error
    return Data(X, Y, sw)


def scorer(estimator, data):
    """Early stopping's score of the estimator's current weights on
    ``data`` (a :class:`~skmlp._training.Data`): accuracy or R^2."""
    X, Y, sw = data
    y = estimator._decode_targets(Y)

    def validation_score():
        return estimator._score(X, y, sw)

    return validation_score


class ValidationLoss:
    """The objective at the validation set for given weights, a callable.

    Its buffers (one forward pass of the validation rows) are its own and
    allocated once: training's buffers, weights and random state are never
    touched.
    """

    def __init__(self, objective, data, dtype):
        X, Y, sw = data
        # In the network's float type, as the training rows are.
        Y = Y if Y.dtype == bool else Y.astype(dtype, copy=False)
        self.objective, self.data = objective, Data(X.astype(dtype, copy=False), Y, sw)
        self.workspace = Workspace(objective.layout, data.X.shape[0], dtype)

    def __call__(self, theta):
        return float(objective_value(self.objective, theta, *self.data, self.workspace))
