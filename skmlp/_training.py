"""The data loop: minibatches, epochs, stopping rules and the L-BFGS driver.

Everything here works on a flat parameter vector through :mod:`skmlp._network`;
the estimator owns the objects (:class:`Progress`, :class:`ScheduleRun`,
the optimizer state) and passes them in, so ``partial_fit`` continues them.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np
import scipy.optimize
import scipy.sparse as sp
from sklearn.exceptions import ConvergenceWarning

from skmlp._blas import blas_limited, one_thread_for
from skmlp._network import Workspace, finish_gradient, loss_and_grad, total_weight
from skmlp._pieces import CHUNK, state_piece
from skmlp.optimizers import SGD, Adam, _Elementwise
from skmlp.penalties import Penalty, soft_threshold
from skmlp.schedules import Schedule


class Data(NamedTuple):
    """Training rows: inputs, encoded 2-D targets, optional sample weights."""

    X: object
    Y: np.ndarray
    sample_weight: np.ndarray | None


class Objective(NamedTuple):
    """What the network computes: architecture, activations, loss, penalty."""

    layout: object
    hidden: str
    loss: str
    penalty: Penalty


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
                if self.best_theta is None or self.best_theta.shape != theta.shape:
                    self.best_theta = theta.copy()
                else:
                    np.copyto(self.best_theta, theta)
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
            # take into a buffer is much faster than fancy indexing,
            # mode="clip" skips a bounds check the indices cannot fail, and
            # the method skips np.take's Python wrapper.
            Xb = X.take(idx, axis=0, out=self.X[:b], mode="clip")
        else:
            Xb = X[idx]
        Yb = Y.take(idx, axis=0, out=self.Y[:b], mode="clip")
        swb = None if sw is None else sw.take(idx, out=self.sw[:b], mode="clip")
        return Xb, Yb, swb


def _slice(data, start, stop):
    X, Y, sw = data
    return X[start:stop], Y[start:stop], None if sw is None else sw[start:stop]


def run_epoch(theta, grad, objective, data, order, batches, workspace, run):
    """One pass over ``data`` in minibatches; returns the mean minibatch loss.

    Minibatches whose sample weights are all zero are skipped.

    ``order`` is the row permutation (``None``: rows in order), gathered through
    ``batches``; ``run`` (an :class:`OptimizerRun`) updates ``theta``.
    """
    n = data.X.shape[0]
    batch_size = workspace.batch_size
    penalty = objective.penalty
    n_coef = objective.layout.n_coef
    # The L1 proximal step must follow the whole step: fuse only without L1.
    fused = run.can_fuse() and not penalty.l1
    accumulated = 0.0
    counted = 0
    for start in range(0, n, batch_size):
        stop = min(start + batch_size, n)
        if order is None:
            X, Y, sw = _slice(data, start, stop)
        else:
            X, Y, sw = batches.take(order[start:stop])
        if sw is not None and not np.add.reduce(sw) > 0:
            # All-zero weights carry no information (and no normalizer): the
            # batch neither moves the weights nor counts in the loss.
            continue
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
            penalty,
            l1_subgradient=False,
            finish=not fused,
        )
        accumulated += loss * (stop - start)
        counted += stop - start
        if fused:
            run.fused_step(theta, grad, n_coef, penalty.l2, total_weight(X, sw))
        else:
            run.step(theta, grad)
            if penalty.l1:
                run.proximal_l1(theta, n_coef, penalty.l1 / total_weight(X, sw))
    return accumulated / counted


class OptimizerRun:
    """An optimizer object, its running state and its learning-rate schedule."""

    def __init__(self, optimizer, theta, schedule):
        self.optimizer = optimizer
        self.state = optimizer.init(theta)
        self.schedule = schedule
        self._prox_scratch = None

    def state_matches(self, theta):
        """Whether the state's arrays still fit ``theta`` (size and dtype)."""
        fields = self.state if isinstance(self.state, tuple) else ()
        return all(
            a.shape == theta.shape and a.dtype == theta.dtype
            for a in fields
            if isinstance(a, np.ndarray)
        )

    def step(self, theta, grad):
        self.state = self.optimizer.step(theta, grad, self.state, self.schedule.current)

    def can_fuse(self):
        """Whether the rule can run piece by piece with the gradient's last
        touches (:meth:`fused_step`): the built-in elementwise rules."""
        return isinstance(self.optimizer, _Elementwise)

    def fused_step(self, theta, grad, n_coef, l2, weight_sum):
        """One step from the *raw* gradient, a cache-sized piece at a time.

        Each piece of ``grad`` is finished (``l2 W`` added to the weights'
        entries, below ``n_coef``, and divided by ``weight_sum``:
        :func:`skmlp._network.finish_gradient`), then the rule updates that
        piece of ``theta`` while it is in cache.  The gradient is used up.
        """
        optimizer, size = self.optimizer, theta.shape[0]
        self.state, scalars = optimizer._begin(self.state, self.schedule.current)
        for start in range(0, size, CHUNK):
            piece = slice(start, min(start + CHUNK, size))
            w, g = theta[piece], grad[piece]
            own, scratch = optimizer._own_scratch(g)
            n_w = min(max(n_coef - start, 0), w.shape[0])
            finish_gradient(w[:n_w], g[:n_w], g[n_w:], l2, weight_sum, own[0][:n_w])
            state = state_piece(self.state, size, piece)
            optimizer._update(w, g, state, scratch, scalars)

    def proximal_l1(self, theta, n_coef, strength):
        """Soft-threshold the weights, ``theta[:n_coef]``, by the step just
        taken times ``strength``.

        The step is the optimizer's per-weight step size when it reports one
        (``step_sizes``), else its learning rate: the proximal-gradient
        update for the L1 part of the objective.
        """
        if self._prox_scratch is None or self._prox_scratch[0].shape != theta.shape:
            self._prox_scratch = (np.empty_like(theta), np.empty_like(theta))
        sizes, scratch = self._prox_scratch
        step_sizes = getattr(self.optimizer, "step_sizes", None)
        rate = self.schedule.current
        if step_sizes is None:
            threshold = rate * strength
        else:
            threshold = step_sizes(self.state, rate, sizes)[:n_coef]
            threshold *= strength
        weights = theta[:n_coef]
        soft_threshold(weights, threshold, out=weights, scratch=scratch[:n_coef])


class Diverged(Exception):
    """Training stopped on a non-finite loss or weight after ``epochs``
    finite epochs, the weights left as they were (``rewind=False``)."""

    def __init__(self, epochs):
        super().__init__(epochs)
        self.epochs = epochs


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


def _diverged(loss, theta):
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
    rewind=True,
):
    """Train with minibatches until a stopping rule fires.

    Follows scikit-learn's loop: a reshuffle of the row order per epoch drawn
    from ``rng``, the loss averaged over minibatches, the ``n_iter_no_change``
    plateau rule on the training loss or on ``validation_score()``, and the
    schedule's reaction to a plateau.

    A non-finite loss or weight stops training.  Before any finite epoch
    (of this fit or of the earlier calls it continues), it raises
    :class:`NonFiniteFit`.  After one, with ``rewind``, the
    weights that started the last epoch with a finite loss are restored
    (two copies of the weights are kept for that), the optimizer's state
    starts afresh, and a warning says what happened.  Without,
    :class:`Diverged` is raised and the weights are left as they are: a
    caller that can train again from the same start regenerates them, with
    no copies kept during training.
    """
    n = data.X.shape[0]
    full_batch = getattr(run.optimizer, "full_batch", False)
    batch_size = n if full_batch else config.batch_size
    shuffle = config.shuffle and not full_batch
    workspace = Workspace(objective.layout, batch_size, theta.dtype)
    batches = _Batches(data, batch_size) if shuffle else None
    grad = np.empty_like(theta)
    if rewind:
        # The weights that start an epoch are only evaluated during it, so
        # the last weights known to give a finite loss start the last finite
        # epoch.
        last_finite, epoch_start = theta.copy(), np.empty_like(theta)
    sample_idx = np.arange(n)
    with blas_limited(one_thread_for(objective.layout.layer_units, batch_size)):
        progress.n_iter = 0
        for _ in range(config.max_iter):
            if shuffle:
                # scikit-learn composes the order with a shuffled 0..n-1; a
                # Fisher-Yates shuffle draws the same swaps whatever the
                # contents, so shuffling the order in place is the same.
                rng.shuffle(sample_idx)
            if rewind:
                np.copyto(epoch_start, theta)
            loss = run_epoch(
                theta,
                grad,
                objective,
                data,
                sample_idx if shuffle else None,
                batches,
                workspace,
                run,
            )
            if _diverged(loss, theta):
                if not progress.loss_curve:
                    raise NonFiniteFit
                if not rewind:
                    raise Diverged(progress.n_iter)
                # The diverged epoch is undone, so it is not counted either.
                np.copyto(theta, last_finite)
                # The rule's state went through the diverged epoch (Adam's
                # second moment is then infinite, which would freeze every
                # later step): the next call starts it afresh.
                run.state = run.optimizer.init(theta)
                warn_diverged("training loss")
                break
            progress.n_iter += 1
            if rewind:
                last_finite, epoch_start = epoch_start, last_finite
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
                    max_iter_message(run.optimizer, run.schedule, config.max_iter),
                    ConvergenceWarning,
                )
    if validation_score is not None and progress.best_theta is not None:
        np.copyto(theta, progress.best_theta)


def max_iter_message(optimizer, schedule, max_iter):
    """What a fit that reached ``max_iter`` says: scikit-learn's words for its
    own solvers, and for the others the rate used and the recommended one."""
    reached = (
        "Maximum iterations (%d) reached and the optimization hasn't converged yet."
        % max_iter
    )
    if type(optimizer) in (SGD, Adam):
        return "Stochastic Optimizer: " + reached
    name = type(optimizer).__name__
    message = f"{name}: {reached}"
    recommended = getattr(optimizer, "recommended_learning_rate", None)
    if recommended is None:
        return message
    rate = schedule.schedule.initial
    if rate == recommended:
        return message + (
            f" It ran at {name}'s recommended learning rate, {rate:g}: increase "
            "max_iter."
        )
    return message + (
        f" It ran at learning rate {rate:g}; the recommended learning rate for "
        f"{name} is {recommended:g} (set learning_rate_init, or the optimizer's "
        "learning_rate), or increase max_iter."
    )


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


class _SplitL1:
    """L-BFGS-B variables for an L1 penalty: ``W = P - N`` with ``P, N >= 0``.

    The L1 term becomes the linear ``l1 * sum(P + N)``, smooth for L-BFGS-B,
    whose bounds then put exact zeros in ``W``. Biases stay unbounded.
    """

    def __init__(self, theta, n_coef, strength):
        self.n_coef = n_coef
        self.strength = strength
        W = theta[:n_coef].astype(np.float64)
        self.x0 = np.concatenate([np.maximum(W, 0), np.maximum(-W, 0), theta[n_coef:]])
        n_bias = theta.size - n_coef
        self.bounds = [(0, None)] * (2 * n_coef) + [(None, None)] * n_bias

    def to_theta(self, x, theta):
        nc = self.n_coef
        np.subtract(x[:nc], x[nc : 2 * nc], out=theta[:nc], casting="unsafe")
        theta[nc:] = x[2 * nc :]

    def value_and_grad(self, x, value, grad):
        nc = self.n_coef
        grad_W = grad[:nc].astype(np.float64)
        penalty = self.strength * x[: 2 * nc].sum()
        grad_x = np.concatenate(
            [grad_W + self.strength, self.strength - grad_W, grad[nc:]]
        )
        return value + penalty, grad_x


class _Plain:
    """L-BFGS-B variables that are the weights themselves."""

    bounds = None

    def __init__(self, theta):
        self.x0 = theta.astype(np.float64)

    def to_theta(self, x, theta):
        theta[...] = x

    def value_and_grad(self, x, value, grad):
        return value, grad.astype(np.float64)


def fit_lbfgs(theta, objective, data, max_iter, max_fun, tol, verbose):
    """Minimize the full-batch objective with SciPy's L-BFGS-B.

    Works in float64 inside SciPy but evaluates the network in ``theta``'s
    dtype, so float32 weights stay float32.  An L1 penalty is handled by
    splitting the weights (see :class:`_SplitL1`).  Returns ``(n_iter,
    final_loss, loss_curve)``; warns when L-BFGS-B stops without converging.
    When the objective overflows, ``theta`` is the last accepted iterate with
    a finite loss (or the start, with ``final_loss`` None); when it is not
    finite at the start, :class:`NonFiniteFit` is raised.
    """
    workspace = Workspace(objective.layout, data.X.shape[0], theta.dtype)
    grad = np.empty_like(theta)
    penalty = objective.penalty
    if penalty.l1:
        strength = penalty.l1 / total_weight(data.X, data.sample_weight)
        variables = _SplitL1(theta, objective.layout.n_coef, strength)
        smooth_penalty = penalty._replace(l1=0.0)
    else:
        variables = _Plain(theta)
        smooth_penalty = penalty

    values = []

    def fun(x):
        variables.to_theta(x, theta)
        value = loss_and_grad(
            theta,
            grad,
            objective.layout,
            *data,
            workspace,
            objective.hidden,
            objective.loss,
            smooth_penalty,
        )
        value, grad_x = variables.value_and_grad(x, value, grad)
        if not values:
            values.append(value)
        return value, grad_x

    curve = []
    last_accepted = variables.x0.copy()

    def callback(intermediate_result):
        curve.append(float(intermediate_result.fun))
        if math.isfinite(curve[-1]):
            np.copyto(last_accepted, intermediate_result.x)
        if verbose:
            print("Iteration %d, loss = %.8f" % (len(curve), curve[-1]))

    result = scipy.optimize.minimize(
        fun,
        variables.x0,
        method="L-BFGS-B",
        jac=True,
        bounds=variables.bounds,
        options={"maxfun": max_fun, "maxiter": max_iter, "gtol": tol},
        callback=callback,
    )
    variables.to_theta(result.x, theta)
    if not math.isfinite(values[0]):
        variables.to_theta(variables.x0, theta)
        raise NonFiniteFit
    if _diverged(result.fun, theta):
        # The line search ran into overflow: keep the last iterate L-BFGS-B
        # accepted with a finite loss (or the start) and report its loss.
        variables.to_theta(last_accepted, theta)
        curve = [loss for loss in curve if math.isfinite(loss)]
        warn_diverged("L-BFGS objective")
        return len(curve), curve[-1] if curve else None, curve
    if result.status != 0:
        warnings.warn(
            "lbfgs failed to converge after %d iteration(s) (status=%d): %s. "
            "Increase max_iter or max_fun, or scale the data."
            % (result.nit, result.status, result.message),
            ConvergenceWarning,
        )
    return min(result.nit, max_iter), result.fun, curve
