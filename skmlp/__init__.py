"""skmlp: a scikit-learn multilayer perceptron with pluggable optimizers.

``MLPClassifier`` and ``MLPRegressor`` are drop-in replacements for
scikit-learn's estimators of the same names; ``MLP`` is ``MLPClassifier``.

Examples
--------
>>> from skmlp import MLP, MLPClassifier
>>> MLP is MLPClassifier
True
"""

from skmlp._mlp import MLP, MLPClassifier, MLPRegressor
from skmlp._version import __version__

#: The types a saved skmlp model holds beyond scikit-learn's and NumPy's,
#: every one a public skmlp name: what ``skops.io.load(path,
#: trusted=skmlp.SKOPS_TRUSTED)`` must trust to load a fitted (or
#: compressed) estimator.  A model fit with optimizers or schedules of your
#: own needs their names too (``skops.io.get_untrusted_types`` lists them).
SKOPS_TRUSTED = [
    "skmlp.MLPClassifier",
    "skmlp.MLPRegressor",
    *(
        f"skmlp.state.{name}"
        for name in ("ClassWeights", "OptimizerRun", "Progress", "ScheduleRun")
    ),
    *(
        f"skmlp.optimizers.{name}"
        for name in (
            "AdaGrad",
            "AdaGradState",
            "Adam",
            "AdamState",
            "AdamW",
            "GD",
            "Momentum",
            "MomentumState",
            "RMSprop",
            "SGD",
            "SGDState",
        )
    ),
    *(
        f"skmlp.schedules.{name}"
        for name in (
            "Adaptive",
            "Constant",
            "CosineDecay",
            "ExponentialDecay",
            "InvScaling",
            "StepDecay",
        )
    ),
    *(
        f"skmlp.weights.{name}"
        for name in (
            "CodebookValues",
            "DenseWeights",
            "LowRankWeights",
            "QuantizedValues",
            "SparseWeights",
        )
    ),
]

__all__ = ["MLP", "SKOPS_TRUSTED", "MLPClassifier", "MLPRegressor", "__version__"]
