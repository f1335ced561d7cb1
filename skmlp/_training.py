"""The data loop: minibatches, epochs, stopping rules and the L-BFGS driver.

Everything here works on a flat parameter vector through :mod:`skmlp._network`;
the estimator owns the objects (:class:`Progress`, :class:`ScheduleRun`,
the optimizer state) and passes them in, so ``partial_fit`` continues them.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np
import scipy.optimize
import scipy.sparse as sp
from sklearn.exceptions import ConvergenceWarning

from skmlp._network import Workspace, loss_and_grad
from skmlp.schedules import Schedule


class Data(NamedTuple):
    """Training rows: inputs, encoded 2-D targets, optional sample weights."""

    X: object
    Y: np.ndarray
    sample_weight: np.ndarray | None


class Objective(NamedTuple):
    """What the network computes: architecture, activations, loss, L2 strength."""

    layout: object
    hidden: str
    loss: str
    alpha: float


@dataclass
class Progress:
    """Bookkeeping that survives between ``partial_fit`` calls.

    Mirrors scikit-learn's fitted attributes of the same names (without the
    trailing underscore).
    """

    early_stopping: bool
    t: int = 0
    n_iter: int = 0
    loss: float | None = None
    loss_curve: list = field(default_factory=list)
    no_improvement_count: int = 0
    best_loss: float | None = None
    validation_scores: list | None = None
    best_validation_score: float | None = None
    best_theta: np.ndarray | None = None

    def __post_init__(self):
        if self.early_stopping:
            self.validation_scores = []
            self.best_validation_score = -np.inf
        else:
            self.best_loss = np.inf

    def record(self, theta, tol, validation_score, verbose):
        """Count epochs without improvement, by validation score or by loss."""
        if validation_score is not None:
            score = validation_score()
            self.validation_scores.append(score)
            if verbose:
                print("Validation score: %f" % score)
            if score < self.best_validation_score + tol:
                self.no_improvement_count += 1
            else:
                self.no_improvement_count = 0
            if score > self.best_validation_score:
                self.best_validation_score = score
                self.best_theta = theta.copy()
        else:
            if self.loss_curve[-1] > self.best_loss - tol:
                self.no_improvement_count += 1
            else:
                self.no_improvement_count = 0
            self.best_loss = min(self.best_loss, self.loss_curve[-1])


class ScheduleRun:
    """A learning-rate schedule object and the rate it gives now.

    ``current`` starts at the schedule's ``initial`` rate and is updated after
    every epoch, and at plateaus, with the schedule's rules.
    """

    def __init__(self, schedule):
        self.schedule = schedule
        self.current = float(schedule.initial)
        self.epoch = 0

    def epoch_end(self, samples_seen):
        self.epoch += 1
        self.current = self.schedule.rate(self.epoch, samples_seen, self.current)

    def should_stop(self, message, verbose):
        """At a plateau: stop (True) or lower the rate and go on (False)."""
        new_rate = self.schedule.on_plateau(self.current)
        if new_rate is None:
            reduces = type(self.schedule).on_plateau is not Schedule.on_plateau
            if verbose:
                why = " Learning rate too small." if reduces else ""
                print(message + why + " Stopping.")
            return True
        self.current = new_rate
        if verbose:
            print(message + " Setting learning rate to %f" % self.current)
        return False


@dataclass
class StochasticConfig:
    """The estimator's settings for the minibatch loop."""

    batch_size: int
    shuffle: bool
    max_iter: int
    tol: float
    n_iter_no_change: float
    verbose: bool


class _Batches:
    """Gathers shuffled minibatches into buffers allocated once per fit."""

    def __init__(self, data, batch_size):
        X, Y, sw = data
        self.data = data
        self.dense = not sp.issparse(X)
        self.X = np.empty((batch_size, X.shape[1]), X.dtype) if self.dense else None
        self.Y = np.empty((batch_size, Y.shape[1]), Y.dtype)
        self.sw = None if sw is None else np.empty(batch_size, sw.dtype)

    def take(self, idx):
        X, Y, sw = self.data
        b = len(idx)
        if self.dense:
            # np.take into a buffer is much faster than fancy indexing, and
            # mode="clip" skips a bounds check the indices cannot fail.
            Xb = np.take(X, idx, axis=0, out=self.X[:b], mode="clip")
        else:
            Xb = X[idx]
        Yb = np.take(Y, idx, axis=0, out=self.Y[:b], mode="clip")
        swb = None if sw is None else np.take(sw, idx, out=self.sw[:b], mode="clip")
        return Xb, Yb, swb


def _slice(data, start, stop):
    X, Y, sw = data
    return X[start:stop], Y[start:stop], None if sw is None else sw[start:stop]


def run_epoch(theta, grad, objective, data, order, batches, workspace, step):
    """One pass over ``data`` in minibatches; returns the mean minibatch loss.

    ``order`` is the row permutation (``None``: rows in order), gathered through
    ``batches``; ``step`` applies the optimizer to ``theta`` from ``grad``.
    """
    n = data.X.shape[0]
    batch_size = workspace.batch_size
    accumulated = 0.0
    for start in range(0, n, batch_size):
        stop = min(start + batch_size, n)
        if order is None:
            X, Y, sw = _slice(data, start, stop)
        else:
            X, Y, sw = batches.take(order[start:stop])
        loss = loss_and_grad(
            theta,
            grad,
            objective.layout,
            X,
            Y,
            sw,
            workspace,
            objective.hidden,
            objective.loss,
            objective.alpha,
        )
        accumulated += loss * (stop - start)
        step()
    return accumulated / n


class OptimizerRun:
    """An optimizer object, its running state and its learning-rate schedule."""

    def __init__(self, optimizer, theta, schedule):
        self.optimizer = optimizer
        self.state = optimizer.init(theta)
        self.schedule = schedule

    def state_matches(self, theta):
        """Whether the state's arrays still fit ``theta`` (size and dtype)."""
        return all(
            a.shape == theta.shape and a.dtype == theta.dtype
            for a in self.state
            if isinstance(a, np.ndarray)
        )

    def step(self, theta, grad):
        self.state = self.optimizer.step(theta, grad, self.state, self.schedule.current)


def _diverged(loss, theta):
    return not (math.isfinite(loss) and np.isfinite(theta).all())


def _warn_diverged(what):
    warnings.warn(
        f"Training diverged: the {what} became infinite or NaN, so training "
        "stopped and the weights from the last finite epoch were kept. Lower "
        "the learning rate, scale the input features (for example with "
        "StandardScaler) or increase alpha.",
        ConvergenceWarning,
    )


def fit_stochastic(
    theta,
    objective,
    data,
    run,
    progress,
    config,
    rng,
    validation_score=None,
    incremental=False,
):
    """Train with minibatches until a stopping rule fires.

    Follows scikit-learn's loop: a reshuffle of the row order per epoch drawn
    from ``rng``, the loss averaged over minibatches, the ``n_iter_no_change``
    plateau rule on the training loss or on ``validation_score()``, and the
    schedule's reaction to a plateau.  A non-finite loss or weight restores the
    previous epoch's weights and stops with a warning.
    """
    n = data.X.shape[0]
    full_batch = getattr(run.optimizer, "full_batch", False)
    batch_size = n if full_batch else config.batch_size
    shuffle = config.shuffle and not full_batch
    workspace = Workspace(objective.layout, batch_size, theta.dtype)
    batches = _Batches(data, batch_size) if shuffle else None
    grad = np.empty_like(theta)
    snapshot = np.empty_like(theta)
    sample_idx = np.arange(n)
    progress.n_iter = 0
    for _ in range(config.max_iter):
        if shuffle:
            permutation = np.arange(n)
            rng.shuffle(permutation)
            sample_idx = sample_idx[permutation]
        np.copyto(snapshot, theta)
        loss = run_epoch(
            theta,
            grad,
            objective,
            data,
            sample_idx if shuffle else None,
            batches,
            workspace,
            lambda: run.step(theta, grad),
        )
        progress.n_iter += 1
        if _diverged(loss, theta):
            np.copyto(theta, snapshot)
            _warn_diverged("training loss")
            break
        progress.loss = loss
        progress.t += n
        progress.loss_curve.append(loss)
        if config.verbose:
            print("Iteration %d, loss = %.8f" % (progress.n_iter, loss))
        progress.record(theta, config.tol, validation_score, config.verbose)
        run.schedule.epoch_end(progress.t)
        if progress.no_improvement_count > config.n_iter_no_change:
            if _plateau_stops(run.schedule, progress, config, validation_score):
                break
            progress.no_improvement_count = 0
        if incremental:
            break
        if progress.n_iter == config.max_iter:
            warnings.warn(
                "Stochastic Optimizer: Maximum iterations (%d) reached and the "
                "optimization hasn't converged yet." % config.max_iter,
                ConvergenceWarning,
            )
    if validation_score is not None and progress.best_theta is not None:
        np.copyto(theta, progress.best_theta)


def _plateau_stops(schedule, progress, config, validation_score):
    if validation_score is not None:
        message = (
            "Validation score did not improve more than tol=%f for %d "
            "consecutive epochs." % (config.tol, config.n_iter_no_change)
        )
    else:
        message = (
            "Training loss did not improve more than tol=%f for %d "
            "consecutive epochs." % (config.tol, config.n_iter_no_change)
        )
    return schedule.should_stop(message, config.verbose)


def fit_lbfgs(theta, objective, data, max_iter, max_fun, tol, verbose):
    """Minimize the full-batch objective with SciPy's L-BFGS-B.

    Works in float64 inside SciPy but evaluates the network in ``theta``'s
    dtype, so float32 weights stay float32.  Returns ``(n_iter, final_loss,
    loss_curve)``; warns when L-BFGS-B stops without converging.
    """
    workspace = Workspace(objective.layout, data.X.shape[0], theta.dtype)
    grad = np.empty_like(theta)
    start = theta.copy()

    def fun(x):
        theta[...] = x
        value = loss_and_grad(
            theta,
            grad,
            objective.layout,
            *data,
            workspace,
            objective.hidden,
            objective.loss,
            objective.alpha,
        )
        return value, grad.astype(np.float64)

    curve = []

    def callback(intermediate_result):
        curve.append(float(intermediate_result.fun))
        if verbose:
            print("Iteration %d, loss = %.8f" % (len(curve), curve[-1]))

    result = scipy.optimize.minimize(
        fun,
        theta.astype(np.float64),
        method="L-BFGS-B",
        jac=True,
        options={"maxfun": max_fun, "maxiter": max_iter, "gtol": tol},
        callback=callback,
    )
    theta[...] = result.x
    if _diverged(result.fun, theta):
        theta[...] = start
        _warn_diverged("L-BFGS objective")
    elif result.status != 0:
        warnings.warn(
            "lbfgs failed to converge after %d iteration(s) (status=%d): %s. "
            "Increase max_iter or max_fun, or scale the data."
            % (result.nit, result.status, result.message),
            ConvergenceWarning,
        )
    return min(result.nit, max_iter), result.fun, curve


# Re-exported for the estimator's type hints.
ValidationScore = Callable[[], float]
