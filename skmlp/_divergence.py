"""When training overflows: the test, the warning and the error.

A fit that overflows after finite progress keeps finite weights and says so in
a ``ConvergenceWarning``; one that never had a finite epoch (or L-BFGS
evaluation) learned nothing and raises scikit-learn's ``ValueError``.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning


class NonFiniteFit(ValueError):
    """Training became non-finite before one finite epoch (or L-BFGS's
    first evaluation already was): nothing was learned that could be kept.

    scikit-learn's message, so code written against it keeps working.
    """

    def __init__(self):
        super().__init__(
            "Solver produced non-finite parameter weights. The input data may "
            "contain large values and need to be preprocessed."
        )


def diverged(loss, theta):
    """Whether the loss or a weight is not finite."""
    # A sum is non-finite when any entry is (or, harmlessly, when weights
    # near the float's range overflow it), without a boolean array.
    return not (math.isfinite(loss) and math.isfinite(np.add.reduce(theta)))


def warn_diverged(what):
    warnings.warn(
        f"Training diverged: the {what} became infinite or NaN, so training "
        "stopped and the weights from the last finite epoch were kept. Lower "
        "the learning rate, scale the input features (for example with "
        "StandardScaler) or increase alpha.",
        ConvergenceWarning,
    )
