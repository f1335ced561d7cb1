"""The estimators' shared machinery: parameters, fit orchestration, predict.

:class:`_BaseMLP` validates the parameters and the data, builds the network's
flat weights (fresh, or continued from ``coefs_``), hands training to
:mod:`skmlp._training` or :mod:`skmlp._lbfgs` and keeps what they report as
scikit-learn's fitted attributes.  The classifier and the regressor
(:mod:`skmlp._mlp`) add their targets, outputs and scores.
"""

from __future__ import annotations

import warnings
from contextlib import contextmanager
from functools import partial
from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, _fit_context
from sklearn.callback import CallbackSupportMixin
from sklearn.model_selection import train_test_split
from sklearn.utils import check_random_state, column_or_1d
from sklearn.utils._param_validation import HasMethods, Interval, Options, StrOptions
from sklearn.utils.validation import (
    _check_sample_weight,
    validate_data,
)

from skmlp import _network, _predicting
from skmlp._activations import HIDDEN_ACTIVATIONS
from skmlp._callbacks import with_fit_tasks
from skmlp._divergence import NonFiniteFit
from skmlp._doc_links import DocLinkMixin
from skmlp._dropout import dropout_for
from skmlp._lbfgs import fit_lbfgs
from skmlp._network import Objective
from skmlp._params import _WeightState
from skmlp._solvers import SOLVER_NAMES, resolve_optimizer
from skmlp._training import (
    Data,
    OptimizerRun,
    Progress,
    ScheduleRun,
    StochasticConfig,
    fit_stochastic,
)
from skmlp._validation_set import (
    ValidationLoss,
    check_given,
    scorer,
    validation_data,
)
from skmlp.optimizers import SGD
from skmlp.penalties import PENALTIES, penalty_from_params
from skmlp.schedules import Adaptive, Constant, InvScaling, Schedule


class _BaseMLP(CallbackSupportMixin, _WeightState, DocLinkMixin, BaseEstimator):
    """Fit / predict machinery shared by the classifier and the regressor."""

    _parameter_constraints: dict = {
        "hidden_layer_sizes": [
            "array-like",
            Interval(Integral, 1, None, closed="left"),
        ],
        "activation": [StrOptions(set(HIDDEN_ACTIVATIONS))],
        "solver": [StrOptions(set(SOLVER_NAMES)), HasMethods(["init", "step"])],
        "alpha": [Interval(Real, 0, None, closed="left")],
        "batch_size": [
            StrOptions({"auto"}),
            Interval(Integral, 1, None, closed="left"),
        ],
        "learning_rate": [StrOptions({"constant", "invscaling", "adaptive"})],
        "learning_rate_init": [Interval(Real, 0, None, closed="neither")],
        "power_t": [Interval(Real, 0, None, closed="left")],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "shuffle": ["boolean"],
        "random_state": ["random_state"],
        "tol": [Interval(Real, 0, None, closed="left")],
        "verbose": ["verbose"],
        "warm_start": ["boolean"],
        "momentum": [Interval(Real, 0, 1, closed="both")],
        "nesterovs_momentum": ["boolean"],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="left")],
        "beta_1": [Interval(Real, 0, 1, closed="left")],
        "beta_2": [Interval(Real, 0, 1, closed="left")],
        "epsilon": [Interval(Real, 0, None, closed="neither")],
        "n_iter_no_change": [
            Interval(Integral, 1, None, closed="left"),
            Options(Real, {np.inf}),
        ],
        "max_fun": [Interval(Integral, 1, None, closed="left")],
        "penalty": [StrOptions(set(PENALTIES) - {None}), None],
        "l1_ratio": [Interval(Real, 0, 1, closed="both")],
        "dropout": [Interval(Real, 0, 1, closed="left"), "array-like"],
    }

    def __init__(
        self,
        hidden_layer_sizes=(100,),
        activation="relu",
        *,
        solver="adam",
        alpha=0.0001,
        batch_size="auto",
        learning_rate="constant",
        learning_rate_init=0.001,
        power_t=0.5,
        max_iter=200,
        shuffle=True,
        random_state=None,
        tol=1e-4,
        verbose=False,
        warm_start=False,
        momentum=0.9,
        nesterovs_momentum=True,
        early_stopping=False,
        validation_fraction=0.1,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-8,
        n_iter_no_change=10,
        max_fun=15000,
        penalty="l2",
        l1_ratio=0.15,
        dropout=0.0,
    ):
        # scikit-learn's rule: keep every argument as given; fit validates.
        arguments = dict(locals())
        del arguments["self"]
        for name, value in arguments.items():
            setattr(self, name, value)

    # ---------------------------------------------------------------- fitting
    def _hidden_sizes(self):
        sizes = self.hidden_layer_sizes
        sizes = list(sizes) if hasattr(sizes, "__iter__") else [sizes]
        if any(int(s) != s or s <= 0 for s in sizes):
            raise ValueError(f"hidden_layer_sizes must be > 0, got {sizes}.")
        return [int(s) for s in sizes]

    def _is_stochastic(self):
        return self.solver != "lbfgs"

    @with_fit_tasks
    def _fit(
        self, X, y, sample_weight, incremental, encoded=False, given=None, epochs=None
    ):
        """Fit to ``(X, y)``; ``given``: a validation set's ``(X_val, y_val,
        sample_weight_val)``, or None; ``epochs``: :mod:`skmlp._callbacks`'s."""
        hidden_sizes = self._hidden_sizes()
        first_pass = not hasattr(self, "coefs_") or (
            not self.warm_start and not incremental
        )
        # A continuation keeps its bookkeeping; hand-set coefs_ start afresh.
        fresh = first_pass or not hasattr(self, "_progress")
        # A continuation checks X against the features it was fit on.
        reset = first_pass or not hasattr(self, "n_features_in_")
        X, Y, sample_weight = self._training_data(
            X, y, sample_weight, incremental, fresh, encoded, reset
        )
        if given is not None:
            given = validation_data(self, *given, n_outputs=Y.shape[1])
        layout = _network.Layout([X.shape[1], *hidden_sizes, Y.shape[1]])
        rng = check_random_state(self.random_state)
        # A fresh fit can draw its initial weights again, which is how it
        # undoes a diverged epoch without keeping copies of the weights.
        restart = _redraw(layout, self.activation, rng, X.dtype)
        theta = self._start_params(layout, X.dtype, rng, first_pass)
        objective = self._objective(layout, theta, first_pass)
        data = Data(
            X.astype(theta.dtype, copy=False),
            Y if Y.dtype == bool else Y.astype(theta.dtype, copy=False),
            sample_weight,
        )
        self._set_structure(layout, theta, Y.shape[1])
        self._start_progress(theta, fresh)
        # A diverging fit is caught and explained by one ConvergenceWarning;
        # NumPy's overflow warnings on the way there would only bury it (and
        # so would a division by an epsilon that underflows to 0 in float32).
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            try:
                if self._is_stochastic():
                    fresh_fit = first_pass and not incremental
                    restart = restart if fresh_fit else None
                    self._fit_stochastic(
                        theta, objective, data, rng, incremental, restart, given, epochs
                    )
                else:
                    self._fit_full_batch(theta, objective, data, given, epochs)
            except NonFiniteFit:
                # Nothing was learned: no half-fitted model is left behind.
                self._discard_fit()
                raise
        self._report_sparsity()
        return self

    def _objective(self, layout, theta, first_pass):
        """What training minimizes; the weights held at zero are zeroed."""
        penalty = penalty_from_params(self.penalty, self.alpha, self.l1_ratio)
        kept = None if first_pass else self._kept_weights(layout, theta.dtype)
        if kept is not None:
            theta[: layout.n_coef] *= kept
        # One bit per weight: kept beside weights that take 32 or 64.
        self._kept = None if kept is None else np.packbits(kept.astype(bool))
        return Objective(
            layout,
            self.activation,
            self._loss_name(),
            penalty,
            kept,
            self._dropout(layout, first_pass),
        )

    def _dropout(self, layout, first_pass):
        """The fit's dropout masks (:mod:`skmlp._dropout`), None without;
        a continued fit's masks are seeded with the samples seen so far."""
        offset = 0 if first_pass else getattr(self, "t_", 0)
        dropout = dropout_for(self.dropout, len(layout.layer_units) - 2, offset)
        if dropout is not None and not self._is_stochastic():
            raise ValueError(
                "dropout is not supported with solver='lbfgs': dropout makes "
                "the objective random, and L-BFGS's line search needs the same "
                "objective at every evaluation. Use a stochastic solver (e.g. "
                "solver='adam') with dropout, or dropout=0 with 'lbfgs'."
            )
        return dropout

    def _training_data(self, X, y, sample_weight, incremental, fresh, encoded, reset):
        """Validated ``X``, 2-D encoded targets and sample weights."""
        if encoded:
            X, Y = self._validate_xy(X, y, reset, y_numeric=True)
        else:
            X, Y = self._validate_input(X, y, incremental, reset=reset)
        if Y.ndim == 1:
            Y = Y.reshape(-1, 1)
        if not fresh and Y.shape[1] != self.n_outputs_:
            raise ValueError(
                f"y has {Y.shape[1]} output(s) but the model being continued "
                f"has {self.n_outputs_} (n_outputs_); fit a new model (without "
                "warm_start) for another number of outputs."
            )
        sample_weight = self._sample_weights(X, Y, sample_weight, encoded)
        return X, Y, sample_weight

    def _sample_weights(self, X, Y, sample_weight, encoded):
        """The training rows' validated weights (None: all 1); the
        classifier multiplies in its ``class_weight``."""
        if sample_weight is not None:
            sample_weight = _check_sample_weight(
                sample_weight, X, ensure_non_negative=True
            )
        return sample_weight

    def _weigh_classes(self, Y, sample_weight, X):
        """A validation set's float64 ``sample_weight`` (or None) in the
        training weights' dtype, times its class weights (classifier)."""
        if sample_weight is None:
            return None
        return _check_sample_weight(sample_weight, X)

    def _start_progress(self, theta, fresh):
        if fresh or self._progress.early_stopping != self.early_stopping:
            self._progress = Progress(self.early_stopping and self._is_stochastic())
            if self._progress.early_stopping:
                # The best weights start as the initial ones, as in
                # scikit-learn; only early stopping ever restores them.
                self._progress.best_theta = theta.copy()

    #: Private state a fit leaves besides its public ``name_`` attributes.
    _FIT_STATE = ("_label_binarizer", "_progress", "_run", "_theta", "_kept")

    def _discard_fit(self):
        """Remove every fitted attribute: the estimator is unfitted again."""
        for name in list(vars(self)):
            if (name.endswith("_") and not name.startswith("_")) or (
                name in self._FIT_STATE
            ):
                delattr(self, name)

    @contextmanager
    def _forget_on_failure(self):
        """Remove the attributes that a failing ``partial_fit`` call added.

        A first call that fails half-way (say on a NaN in ``y``) would leave
        ``classes_`` without a fitted label binarizer, or weights without an
        optimizer run, and the next call would take them for a continuation.
        """
        before = set(vars(self))
        try:
            yield
        except Exception:
            for name in set(vars(self)) - before:
                delattr(self, name)
            raise

    def _set_structure(self, layout, theta, n_outputs):
        self._theta = theta
        # Fresh lists: the layout caches its own, which must stay untouched.
        coefs, intercepts = layout.views(theta)
        self.coefs_, self.intercepts_ = list(coefs), list(intercepts)
        self.n_layers_ = len(layout.layer_units)
        self.n_outputs_ = n_outputs
        self.out_activation_ = self._output_activation()
        if not hasattr(self, "n_iter_"):
            self.n_iter_ = 0
            self.t_ = 0

    def _optimizer_run(self, theta, incremental):
        run = getattr(self, "_run", None)
        if incremental and run is not None and run.state_matches(theta):
            return run
        optimizer = resolve_optimizer(self)
        schedule = ScheduleRun(self._schedule_for(optimizer))
        self._run = OptimizerRun(optimizer, theta, schedule)
        return self._run

    def _schedule_for(self, optimizer):
        """The optimizer's schedule; the flat ``learning_rate`` applies to SGD."""
        rate = optimizer.learning_rate
        if isinstance(rate, Schedule):
            return rate
        if isinstance(optimizer, SGD) and not optimizer.full_batch:
            if self.learning_rate == "invscaling":
                return InvScaling(rate, self.power_t)
            if self.learning_rate == "adaptive":
                return Adaptive(rate)
        return Constant(rate)

    def _batch_size(self, n_samples):
        if self.batch_size == "auto":
            return min(200, n_samples)
        if self.batch_size > n_samples:
            warnings.warn(
                "Got `batch_size` less than 1 or larger than sample size. It is "
                "going to be clipped"
            )
        return int(np.clip(self.batch_size, 1, n_samples))

    def _fit_stochastic(
        self, theta, objective, data, rng, incremental, restart, validation, epochs
    ):
        if self.early_stopping and incremental:
            raise ValueError("partial_fit does not support early_stopping=True")
        run = self._optimizer_run(theta, incremental)
        validation_score = None
        if self.early_stopping:
            if validation is None:
                data, validation = self._validation_split(data, rng)
            validation_score = scorer(self, validation)
        # A batch held elsewhere (skmlp._distributed) is one full batch.
        full = getattr(data, "n_samples", None)
        config = StochasticConfig(
            batch_size=full or self._batch_size(data.X.shape[0]),
            shuffle=self.shuffle,
            max_iter=self.max_iter,
            tol=self.tol,
            n_iter_no_change=self.n_iter_no_change,
            verbose=bool(self.verbose),
            incremental=incremental,
            validation_loss=_validation_loss(objective, validation, theta.dtype),
            epochs=epochs,
        )
        progress = self._progress
        if config.validation_loss is None:
            progress.validation_loss_curve = None
        elif progress.validation_loss_curve is None:
            progress.validation_loss_curve = []
        try:
            fit_stochastic(
                theta,
                objective,
                data,
                run,
                progress,
                config,
                rng,
                validation_score,
                restart,
            )
        except KeyboardInterrupt:
            warnings.warn("Training interrupted by user.")
        self._record_progress(progress)

    def _record_progress(self, progress):
        """scikit-learn's fitted attributes from a stochastic fit's
        :class:`~skmlp._training.Progress`."""
        self.n_iter_ = progress.n_iter
        self.t_ = progress.t
        self.loss_ = progress.loss
        self.loss_curve_ = progress.loss_curve
        self.best_loss_ = progress.best_loss
        self.validation_scores_ = progress.validation_scores
        self.best_validation_score_ = progress.best_validation_score
        self.validation_loss_curve_ = progress.validation_loss_curve

    def _validation_split(self, data, rng):
        X, Y, sw = data
        arrays = (X, Y) if sw is None else (X, Y, sw)
        parts = self._split(arrays, Y, rng)
        X_train, X_val, Y_train, Y_val = parts[:4]
        sw_train, sw_val = parts[4:] if sw is not None else (None, None)
        if X_val.shape[0] < 2:
            raise ValueError(
                "The validation set is too small. Increase 'validation_fraction' "
                "or the size of your dataset."
            )
        _check_split_weights(sw_train, sw_val)
        return Data(X_train, Y_train, sw_train), Data(X_val, Y_val, sw_val)

    def _split(self, arrays, Y, rng):
        split = partial(
            train_test_split,
            *arrays,
            random_state=rng,
            test_size=self.validation_fraction,
        )
        if self._stratify_split(Y):
            try:
                return split(stratify=Y)
            except ValueError:
                # Some class is too rare to stratify on (scikit-learn, which
                # never stratifies multiclass y, fits such data): split at random.
                pass
        return split(stratify=None)

    def _fit_full_batch(self, theta, objective, data, validation, epochs):
        n_iter, loss, curve, validation_curve = fit_lbfgs(
            theta,
            objective,
            data,
            self.max_iter,
            self.max_fun,
            self.tol,
            bool(self.verbose),
            _validation_loss(objective, validation, theta.dtype),
            epochs,
        )
        self.n_iter_ = n_iter
        self.loss_ = loss
        self.loss_curve_ = curve
        self.validation_loss_curve_ = validation_curve

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(
        self,
        X,
        y,
        sample_weight=None,
        *,
        X_val=None,
        y_val=None,
        sample_weight_val=None,
    ):
        """Fit the model to data matrix X and targets y.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input data.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Class labels (classification) or real targets (regression).
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative sample weights; ``None`` weighs every sample 1.
        X_val : {array-like, sparse matrix} of shape (n_val, n_features), \
                default=None
            A validation set's inputs, given with ``y_val``. With
            ``early_stopping=True`` its score replaces the split of
            ``validation_fraction`` (for stopping, ``validation_scores_`` and
            the restore of the best weights); with or without it, the
            objective at it is recorded as ``validation_loss_curve_``. In a
            :class:`~sklearn.pipeline.Pipeline`, ``X_val`` is transformed like
            ``X`` with ``Pipeline(..., transform_input=["X_val"])`` (metadata
            routing, as for :class:`~sklearn.ensemble.HistGradientBoostingClassifier`).
        y_val : array-like of shape (n_val,) or (n_val, n_outputs), default=None
            The validation set's targets: known classes (classifier), the
            outputs of ``y``.
        sample_weight_val : array-like of shape (n_val,), default=None
            The validation set's non-negative sample weights (multiplied by
            the classifier's ``class_weight``, as the training weights are).

        Returns
        -------
        self : object
            The fitted estimator.
        """
        continuing = self.warm_start and hasattr(self, "coefs_")
        given = (X_val, y_val, sample_weight_val)
        given = given if check_given(*given) else None
        try:
            return self._fit(X, y, sample_weight, incremental=False, given=given)
        except Exception:
            if not continuing:
                # A fresh fit that fails leaves no half-fitted model behind.
                self._discard_fit()
            raise

    # ------------------------------------------------------------- predicting
    def _checked_input(self, X, check_input=True):
        """``X`` validated against the fit, in the weights' float type."""
        if check_input:
            X = _predicting.checked_input(self, X)
        return X.astype(self.coefs_[0].dtype, copy=False)

    def _forward(self, X, check_input=True):
        X = self._checked_input(X, check_input)
        return _predicting.network_output(
            self.coefs_, self.intercepts_, X, self.activation, self.out_activation_
        )

    def _hidden_outputs(self, X):
        """Each hidden layer's outputs for ``X`` (validated), a list."""
        X = self._checked_input(X)
        return _network.hidden_outputs(
            self.coefs_, self.intercepts_, X, self.activation
        )

    def predict(self, X):
        """Predict with the fitted network.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input data.

        Returns
        -------
        y : ndarray of shape (n_samples,) or (n_samples, n_outputs)
            The classifier's class labels (a 0/1 indicator matrix for
            multilabel targets), or the regressor's targets.
        """
        _predicting.check_fitted(self)
        return self._predict(X)

    def _score(self, X, y, sample_weight=None):
        """The score (accuracy or R^2) without validating ``X``: early
        stopping's validation score, as in scikit-learn."""
        y_pred = self._predict(X, check_input=False)
        if np.issubdtype(y_pred.dtype, np.floating) and not np.isfinite(y_pred).all():
            return np.nan
        return self._metric(y, y_pred, sample_weight=sample_weight)

    def _validate_xy(self, X, y, reset, **check):
        """``validate_data`` as both estimators call it; a column y to 1-D."""
        X, y = validate_data(
            self,
            X,
            y,
            accept_sparse=["csr", "csc"],
            multi_output=True,
            dtype=(np.float64, np.float32),
            reset=reset,
            **check,
        )
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        return X, y

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags


def _validation_loss(objective, validation, dtype):
    """The validation loss function of a validation set (None: none)."""
    return None if validation is None else ValidationLoss(objective, validation, dtype)


def _check_split_weights(sw_train, sw_val):
    """Both sides of the early-stopping split need some weight.

    Valid weights can still put every non-zero weight on one side: nothing
    would then be trained on, or the validation score would be undefined.
    """
    if sw_train is None:
        return
    for name, part in (("training", sw_train), ("validation", sw_val)):
        if not part.sum() > 0:
            raise ValueError(
                f"Every sample weight in the {name} part of the early-stopping "
                "split is zero. Give more samples a non-zero weight or change "
                "validation_fraction."
            )


def _redraw(layout, activation, rng, dtype):
    """A function drawing the initial weights ``rng`` draws now into
    ``theta`` again, whenever it is called (``rng`` is left alone)."""
    state = rng.get_state()

    def restart(theta):
        generator = np.random.RandomState()
        generator.set_state(state)
        _network.init_params(layout, activation, generator, dtype, out=theta)

    return restart


def _has_partial_fit(estimator):
    if not estimator._is_stochastic():
        raise AttributeError(
            "partial_fit is only available for stochastic optimizers. "
            f"{estimator.solver!r} is not stochastic."
        )
    return True
