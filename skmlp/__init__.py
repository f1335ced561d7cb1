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

__version__ = "0.1.0"

__all__ = ["MLP", "MLPClassifier", "MLPRegressor", "__version__"]
