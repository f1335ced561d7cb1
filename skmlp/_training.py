"""The data loop: minibatches, epochs and the stopping rules.

Everything here works on a flat parameter vector through
:mod:`skmlp._network`; the estimator owns the objects (:class:`Progress`,
:class:`ScheduleRun`, the optimizer's state) and passes them in, so
``partial_fit`` continues them.  Each optimizer step goes through
:class:`OptimizerRun`, the one driver that finishes the raw gradient and
applies any rule (a cache-sized piece at a time for elementwise rules).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field, replace
from typing import NamedTuple

import numpy as np
import scipy.sparse as sp
from sklearn.exceptions import ConvergenceWarning

from skmlp._blas import blas_limited, one_thread_for
from skmlp._divergence import NonFiniteFit, diverged, warn_diverged
from skmlp._network import Workspace, finish_gradient, loss_and_grad, total_weight
from skmlp._pieces import CHUNK, merge_state, state_piece
from skmlp.optimizers import SGD, Adam, step_size
from skmlp.penalties import weight_matrices
from skmlp.schedules import Schedule


class Data(NamedTuple):
    """Training rows: inputs, encoded 2-D targets, optional sample weights."""

    X: object
    Y: np.ndarray
    sample_weight: np.ndarray | None


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
    validation_loss_curve: list | None = None

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


# Saved with a fitted estimator: recorded under its public name (skops).  Set
# after the class is made: dataclass reads the module the name gives.
Progress.__module__ = "skmlp.state"


class ScheduleRun:
    """A learning-rate schedule object and the rate it gives now.

    ``current`` starts at the schedule's ``initial`` rate and is updated after
    every epoch, and at plateaus, with the schedule's rules.
    """

    # Saved with a fitted estimator: recorded under its public name (skops).
    __module__ = "skmlp.state"

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
    incremental: bool = False
    #: The objective at the validation set for given weights, recorded after
    #: each epoch in ``Progress.validation_loss_curve``; None without one.
    validation_loss: object = None
    #: The callbacks' epoch tasks (:class:`skmlp._callbacks.Epochs`); None
    #: without callbacks.
    epochs: object = None


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
    penalty, n_coef = objective.penalty, objective.layout.n_coef
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
        loss = loss_and_grad(objective, theta, grad, X, Y, sw, workspace, finish=False)
        accumulated += loss * (stop - start)
        counted += stop - start
        run.step(
            theta,
            grad,
            penalty,
            n_coef,
            total_weight(X, sw),
            shapes=objective.layout.shapes,
        )
        if objective.kept is not None:
            # Multiplying by 1.0 keeps every bit; by 0.0 restores the zero.
            theta[:n_coef] *= objective.kept
    return accumulated / counted


class OptimizerRun:
    """An optimizer object, its running state and its learning-rate schedule."""

    # Saved with a fitted estimator: recorded under its public name (skops).
    __module__ = "skmlp.state"

    def __init__(self, optimizer, theta, schedule):
        self.optimizer = optimizer
        self.state = optimizer.init(theta)
        self.schedule = schedule

    def state_matches(self, theta):
        """Whether the state's arrays still fit ``theta`` (size and dtype)."""
        fields = self.state if isinstance(self.state, tuple) else ()
        return all(
            a.shape == theta.shape and a.dtype == theta.dtype
            for a in fields
            if isinstance(a, np.ndarray)
        )

    def step(self, theta, grad, penalty, n_coef, weight_sum, shapes=None):
        """One step from the *raw* gradient ``grad`` (which it uses up).

        The gradient is finished with the penalty's smooth part and the
        weight sum (:func:`skmlp._network.finish_gradient`; the weights are
        ``theta[:n_coef]``), then the rule applied; the L1 and group parts
        follow as their proximal steps, L1's first (for a scalar step that
        order is the proximal step of their sum).  The group part needs
        ``shapes``, the weight matrices' ``(n_in, n_out)``, output layer last.
        An elementwise rule goes a cache-sized piece at a time, each piece
        finished just before, so the dozen passes of a rule find it in cache.
        """
        rate, optimizer = self.schedule.current, self.optimizer
        if optimizer.elementwise and theta.shape[0] > CHUNK:
            self.state = self._step_in_pieces(theta, grad, penalty, n_coef, weight_sum)
        else:
            finish_gradient(penalty, theta, grad, n_coef, weight_sum, l1=False)
            self.state = optimizer.step(theta, grad, self.state, rate)
        if penalty.l1 or penalty.group:
            step = step_size(optimizer, self.state, rate)
            if isinstance(step, np.ndarray):
                step = step[:n_coef]
            if penalty.l1:
                penalty.proximal(theta[:n_coef], step, weight_sum)
            if penalty.group:
                _group_proximal(theta, step, penalty, shapes, weight_sum)

    def _step_in_pieces(self, theta, grad, penalty, n_coef, weight_sum):
        size, rate, state = theta.shape[0], self.schedule.current, self.state
        for start in range(0, size, CHUNK):
            piece = slice(start, min(start + CHUNK, size))
            w, g = theta[piece], grad[piece]
            n_w = min(max(n_coef - start, 0), w.shape[0])
            finish_gradient(penalty, w, g, n_w, weight_sum, l1=False)
            stepped = self.optimizer.step(w, g, state_piece(state, size, piece), rate)
        return merge_state(state, stepped, size)


def _group_proximal(theta, step, penalty, shapes, weight_sum):
    """The group part's proximal step on the hidden layers' weight matrices,
    with the step per weight split like them when it is an array."""
    hidden = shapes[:-1]
    if isinstance(step, np.ndarray):
        step = weight_matrices(step, hidden)
    penalty.group_proximal(weight_matrices(theta, hidden), step, weight_sum)


class _Rewind:
    """Undoes a diverged epoch from copies: the weights that started the
    last finite epoch, two copies rolled each epoch.

    An epoch's loss is taken along the way, at the weights each minibatch
    starts from, so the weights that started a finite epoch gave a finite
    loss; those it ended with are finite but may be so large that the next
    forward pass overflows (which is how an epoch diverges).  For a fit that
    continues another (``warm_start``, ``partial_fit``), whose start cannot
    be drawn again.
    """

    def __init__(self, theta):
        self.last_finite, self.epoch_start = theta.copy(), np.empty_like(theta)

    def epoch_starts(self, theta):
        np.copyto(self.epoch_start, theta)

    def epoch_was_finite(self):
        self.last_finite, self.epoch_start = self.epoch_start, self.last_finite

    def restore(self, epoch, rng, run, config, validation_score):
        np.copyto(epoch.theta, self.last_finite)


class _Replay:
    """Undoes a diverged epoch without copies: training is deterministic
    given the random generator's state, so drawing the initial weights again
    (``restart``) and training one epoch fewer than the finite ones gives the
    weights that started the last finite epoch.  For a fresh fit: two copies
    of the weights would cost a quarter or more of its memory
    (docs/performance.md), and the replay costs time only when a fit
    diverges."""

    def __init__(self, restart, rng):
        self.restart, self.rng_state, self.finite = restart, rng.get_state(), 0

    def epoch_starts(self, theta):
        pass

    def epoch_was_finite(self):
        self.finite += 1

    def restore(self, epoch, rng, run, config, validation_score):
        self.restart(epoch.theta)
        rng.set_state(self.rng_state)
        epoch.order[:] = np.arange(epoch.order.shape[0])
        again = OptimizerRun(
            run.optimizer, epoch.theta, ScheduleRun(run.schedule.schedule)
        )
        replay = replace(
            config,
            max_iter=self.finite - 1,
            verbose=False,
            incremental=False,
            validation_loss=None,
            epochs=None,
        )
        progress = Progress(validation_score is not None)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            _train(epoch, rng, again, progress, replay, validation_score, _NoUndo())


class _NoUndo:
    """A replay's: its epochs were finite before and are again."""

    def epoch_starts(self, theta):
        pass

    def epoch_was_finite(self):
        pass


def fit_stochastic(
    theta,
    objective,
    data,
    run,
    progress,
    config,
    rng,
    validation_score=None,
    restart=None,
):
    """Train with minibatches until a stopping rule fires.

    Follows scikit-learn's loop: a reshuffle of the row order per epoch drawn
    from ``rng``, the loss averaged over minibatches, the ``n_iter_no_change``
    plateau rule on the training loss or on ``validation_score()``, and the
    schedule's reaction to a plateau; ``config.incremental`` stops after one
    epoch (``partial_fit``).

    A non-finite loss or weight stops training.  Before any finite epoch (of
    this fit or of the earlier calls it continues), it raises
    :class:`NonFiniteFit`.  After one, the weights that started the last
    finite epoch are restored, drawn and trained again when ``restart``
    (a function that draws the initial weights into ``theta`` again) is
    given (:class:`_Replay`), else from copies (:class:`_Rewind`); the
    optimizer's state starts afresh, and a warning says what happened.
    """
    full_batch = getattr(run.optimizer, "full_batch", False)
    if hasattr(data, "loss_and_grad"):
        # Rows evaluated elsewhere (skmlp._distributed): one batch per step.
        if not full_batch:
            raise ValueError("Only a full_batch optimizer trains on a batch.")
        epoch = _FullBatchEpoch(theta, objective, data)
        batch_size = data.n_samples
    else:
        n = data.X.shape[0]
        batch_size = n if full_batch else config.batch_size
        shuffle = config.shuffle and not full_batch
        epoch = _Epoch(theta, objective, data, batch_size, shuffle)
    undo = _Rewind(theta) if restart is None else _Replay(restart, rng)
    with blas_limited(one_thread_for(objective.layout.layer_units, batch_size)):
        _train(epoch, rng, run, progress, config, validation_score, undo)
    if validation_score is not None and progress.best_theta is not None:
        np.copyto(theta, progress.best_theta)


def _train(epoch, rng, run, progress, config, validation_score, undo):
    """Epochs until a stopping rule fires, or a diverged epoch is undone."""
    progress.n_iter = 0
    epochs = config.epochs
    for _ in range(config.max_iter):
        if epochs is not None:
            epochs.begin(epoch_state(epoch.theta, progress))
        undo.epoch_starts(epoch.theta)
        loss = epoch.train(rng, run)
        if diverged(loss, epoch.theta):
            if epochs is not None:
                epochs.close()
            if not progress.loss_curve:
                raise NonFiniteFit
            # The diverged epoch is undone, so it is not counted either.
            undo.restore(epoch, rng, run, config, validation_score)
            # The rule's state went through the diverged epoch (Adam's second
            # moment is then infinite, which would freeze every later step):
            # it starts afresh.
            run.state = run.optimizer.init(epoch.theta)
            warn_diverged("training loss")
            return
        undo.epoch_was_finite()
        n, theta = epoch.n_samples, epoch.theta
        stop = _epoch_ends(loss, n, theta, run, progress, config, validation_score)
        if epochs is not None:
            # A callback may stop the fit too (it sees the epoch's weights
            # whatever the stopping rules decided).
            stop = epochs.end(epoch_state(theta, progress)) or stop
        if stop:
            return


def epoch_state(theta, progress):
    """The fitted attributes of a minibatch fit stopped now, for the
    callbacks (:class:`skmlp._callbacks.Epochs`): its weights (the best so
    far with early stopping, which a stopped fit returns) and bookkeeping."""

    def state():
        best = progress.best_theta if progress.early_stopping else None
        return {
            "_theta": (theta if best is None else best).copy(),
            "n_iter_": progress.n_iter,
            "t_": progress.t,
            "loss_": progress.loss,
            "loss_curve_": list(progress.loss_curve),
        }

    return state


class _Epoch:
    """What one epoch needs, allocated once per fit: buffers and the order."""

    def __init__(self, theta, objective, data, batch_size, shuffle):
        self.theta, self.objective, self.data = theta, objective, data
        self.workspace = Workspace(objective.layout, batch_size, theta.dtype)
        self.batches = _Batches(data, batch_size) if shuffle else None
        self.grad = np.empty_like(theta)
        self.n_samples = data.X.shape[0]
        self.order = np.arange(self.n_samples)

    def train(self, rng, run):
        """One epoch (a new order first, when shuffling); its mean loss."""
        if self.batches is not None:
            # scikit-learn composes the order with a shuffled 0..n-1; a
            # Fisher-Yates shuffle draws the same swaps whatever the
            # contents, so shuffling the order in place is the same.
            rng.shuffle(self.order)
        if self.objective.dropout is not None:
            # The epoch's masks are seeded from rng after its shuffle.
            self.objective.dropout.new_epoch(rng)
        return run_epoch(
            self.theta,
            self.grad,
            self.objective,
            self.data,
            None if self.batches is None else self.order,
            self.batches,
            self.workspace,
            run,
        )


class _FullBatchEpoch:
    """An epoch of a full-batch optimizer on a batch evaluated elsewhere
    (see :class:`skmlp._network.LocalBatch`): one step from its gradient,
    with :func:`run_epoch`'s operations on the one batch it would take."""

    def __init__(self, theta, objective, batch):
        self.theta, self.objective, self.data = theta, objective, batch
        self.grad = np.empty_like(theta)
        self.n_samples = batch.n_samples
        # No row order to shuffle or replay (:class:`_Replay` resets it).
        self.order = np.empty(0, dtype=np.intp)

    def train(self, rng, run):
        theta, grad, objective = self.theta, self.grad, self.objective
        n_coef = objective.layout.n_coef
        loss = self.data.loss_and_grad(objective, theta, grad, finish=False)
        run.step(
            theta,
            grad,
            objective.penalty,
            n_coef,
            self.data.weight_sum,
            shapes=objective.layout.shapes,
        )
        if objective.kept is not None:
            theta[:n_coef] *= objective.kept
        # run_epoch's mean over its one batch, the same bits.
        return (0.0 + loss * self.n_samples) / self.n_samples


def _epoch_ends(loss, n, theta, run, progress, config, validation_score):
    """Record a finite epoch; return whether training stops after it."""
    progress.n_iter += 1
    progress.loss = loss
    progress.t += n
    progress.loss_curve.append(loss)
    if config.validation_loss is not None:
        progress.validation_loss_curve.append(config.validation_loss(theta))
    if config.verbose:
        print("Iteration %d, loss = %.8f" % (progress.n_iter, loss))
    progress.record(theta, config.tol, validation_score, config.verbose)
    run.schedule.epoch_end(progress.t)
    if progress.no_improvement_count > config.n_iter_no_change:
        if _plateau_stops(run.schedule, progress, config, validation_score):
            return True
        progress.no_improvement_count = 0
    if config.incremental:
        return True
    if progress.n_iter == config.max_iter:
        warnings.warn(
            max_iter_message(run.optimizer, run.schedule, config.max_iter),
            ConvergenceWarning,
        )
    return False


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
