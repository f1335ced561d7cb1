"""Solver names: the registry that turns a ``solver=`` string into an optimizer.

A string solver takes its hyperparameters from the estimator, so that
``MLPClassifier(solver="rmsprop", learning_rate_init=0.01)`` means
``MLPClassifier(solver=RMSprop(learning_rate=0.01))``; with the estimator's
defaults each string gives the same object as the class's own defaults.
"""

from __future__ import annotations

from sklearn.base import clone

from skmlp.optimizers import GD, SGD, AdaGrad, Adam, AdamW, Momentum, RMSprop

#: Solver string -> function of the estimator returning the optimizer.
STRING_SOLVERS = {
    "gd": lambda est: GD(learning_rate=est.learning_rate_init),
    "sgd": lambda est: SGD(
        learning_rate=est.learning_rate_init,
        momentum=est.momentum,
        nesterov=est.nesterovs_momentum,
    ),
    "momentum": lambda est: Momentum(
        learning_rate=est.learning_rate_init, beta=est.momentum
    ),
    "adagrad": lambda est: AdaGrad(
        learning_rate=est.learning_rate_init, epsilon=est.epsilon
    ),
    # RMSprop's decay keeps its own default (0.9): the estimator's beta_2
    # (0.999) is Adam's, bias-corrected there and not here.
    "rmsprop": lambda est: RMSprop(
        learning_rate=est.learning_rate_init, epsilon=est.epsilon
    ),
    "adam": lambda est: Adam(
        learning_rate=est.learning_rate_init,
        beta_1=est.beta_1,
        beta_2=est.beta_2,
        epsilon=est.epsilon,
    ),
    "adamw": lambda est: AdamW(
        learning_rate=est.learning_rate_init,
        beta_1=est.beta_1,
        beta_2=est.beta_2,
        epsilon=est.epsilon,
    ),
}

#: Every string ``solver=`` accepts.
SOLVER_NAMES = frozenset(STRING_SOLVERS) | {"lbfgs"}


def resolve_optimizer(estimator):
    """The optimizer object to train with: built from a string, or a clone."""
    solver = estimator.solver
    if isinstance(solver, str):
        return STRING_SOLVERS[solver](estimator)
    return clone(solver, safe=False)
