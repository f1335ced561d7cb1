"""scikit-learn's callback API (:mod:`sklearn.callback`) for both estimators.

A ``fit`` is one task of the callbacks' task tree, with one subtask per
epoch (``solver="lbfgs"``: per L-BFGS iteration), at most ``max_iter`` of
them; the epochs are leaves (a level of minibatches would give
:class:`~sklearn.callback.ProgressBar` a bar per epoch)::

    MLPClassifier - fit          max_subtasks = max_iter
        epoch #0, epoch #1, ...  (lbfgs: iteration #0, ...)

A ``partial_fit`` call (one epoch) is a task of its own without subtasks,
as :class:`~sklearn.preprocessing.StandardScaler`'s ``partial_fit`` is.
Under a meta-estimator (``GridSearchCV``, ``Pipeline``) the fit's task is
merged into the meta-estimator's tree, which scikit-learn's
:class:`~sklearn.callback.CallbackContext` does.

Each hook gets the data given to the fit (``X``, ``y``, ``metadata`` with
the ``sample_weight``) and, when it asks for ``fitted_estimator``, a copy of
the estimator with the weights the fit would have returned had it stopped
there (with early stopping, the best so far), built only then.  An epoch
ending in a callback's ``True`` stops the fit like a stopping rule.  Without
callbacks no epoch task is made: the epoch loop checks one ``None``.
"""

from __future__ import annotations

import copy
import functools

from sklearn.callback._callback_support import callback_management_context

from skmlp import _network


def with_fit_tasks(fit):
    """Run ``_BaseMLP._fit`` as a task of the callbacks, passing it the
    :class:`Epochs` to report to (None without callbacks or subtasks)."""

    @functools.wraps(fit)
    def fit_as_task(estimator, X, y, sample_weight, incremental, **kwargs):
        with callback_management_context(estimator):
            root, data = _begin_fit(estimator, X, y, sample_weight, incremental)
            # Without callbacks (or for partial_fit's single epoch) no epoch
            # tasks: the epoch loop then checks ``epochs is None`` only.
            has_callbacks = bool(getattr(estimator, "_skl_callbacks", None))
            use_epochs = has_callbacks and not incremental
            epochs = Epochs(estimator, root, data) if use_epochs else None
            fit(estimator, X, y, sample_weight, incremental, epochs=epochs, **kwargs)
            if epochs is not None:
                epochs.close()
            root.call_on_fit_task_end(
                estimator=estimator, reconstruction_attributes={}, **data
            )
        return estimator

    return fit_as_task


def _begin_fit(estimator, X, y, sample_weight, incremental):
    """The fit's task (set up by the estimator, as scikit-learn's are),
    begun, and the data its hooks get."""
    root = estimator._init_callback_context(
        task_name="partial_fit" if incremental else "fit",
        max_subtasks=0 if incremental else estimator.max_iter,
    )
    metadata = None if sample_weight is None else {"sample_weight": sample_weight}
    data = {"X": X, "y": y, "metadata": metadata}
    root.call_on_fit_task_begin(estimator=estimator, **data)
    return root, data


class Epochs:
    """The epoch (or L-BFGS iteration) subtasks of one fit with callbacks.

    ``state``, given to :meth:`begin` and :meth:`end`, is a function
    returning the fitted attributes at that point (``_theta``, a flat weight
    vector of the fit's own, ``n_iter_``, ...; see
    :func:`skmlp._training.epoch_state`); it is called only when a callback
    asks for the ``fitted_estimator``.
    """

    def __init__(self, estimator, root, data):
        self.estimator, self.root, self.data = estimator, root, data
        self.task_name = "epoch" if estimator._is_stochastic() else "iteration"
        self.current = None
        #: Whether a callback asked the fit to stop.
        self.stopped = False

    def begin(self, state):
        """Start the next epoch's task."""
        self.current = self.root.subcontext(task_name=self.task_name)
        self.current.call_on_fit_task_begin(
            estimator=self.estimator,
            reconstruction_attributes=lambda: self._fitted(state()),
            **self.data,
        )

    def end(self, state):
        """End the running epoch's task; whether a callback asks to stop."""
        context, self.current = self.current, None
        self.stopped = context.call_on_fit_task_end(
            estimator=self.estimator,
            reconstruction_attributes=lambda: self._fitted(state()),
            **self.data,
        )
        return self.stopped

    def close(self):
        """End a begun epoch that did not finish (undone after diverging,
        interrupted) as an empty task: a model it would not return is
        shown to no callback."""
        if self.current is not None:
            context, self.current = self.current, None
            context.call_on_fit_task_end(estimator=self.estimator)

    def _fitted(self, attributes):
        """The attributes the fitted copy of the estimator gets: the
        weights' views of its own flat vector, no optimizer run to continue
        (a continued fit of the copy starts a fresh one)."""
        coefs = self.estimator.coefs_
        units = [coefs[0].shape[0], *(W.shape[1] for W in coefs)]
        weights, intercepts = _network.Layout(units).views(attributes["_theta"])
        progress = copy.deepcopy(self.estimator._progress)
        return {
            **attributes,
            "coefs_": list(weights),
            "intercepts_": list(intercepts),
            "_run": None,
            "_progress": progress,
        }
