"""Argument checks shared by the compression functions."""

from __future__ import annotations

import math
from numbers import Real

import numpy as np
from sklearn.utils.validation import check_is_fitted

from skmlp import MLPClassifier, MLPRegressor

ESTIMATORS = (MLPClassifier, MLPRegressor)


# ---------------------------------------------------------------- checking
def check_model(estimator, name="estimator"):
    if not isinstance(estimator, ESTIMATORS):
        raise TypeError(
            f"{name} must be a skmlp MLPClassifier or MLPRegressor, got "
            f"{type(estimator).__name__}."
        )
    check_is_fitted(estimator)


def check_real(value, name, low, high, closed):
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


def dense_layers(estimator):
    return [np.asarray(W) for W in estimator.coefs_]
