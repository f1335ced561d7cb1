"""A fit followed by compression, as one estimator."""

from __future__ import annotations

from collections.abc import Callable

from sklearn.base import BaseEstimator, MetaEstimatorMixin, clone
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_is_fitted

from skmlp._doc_links import DocLinkMixin
from skmlp.compression._checks import ESTIMATORS


def _fitted_has(name):
    def check(self):
        getattr(
            self.estimator_ if hasattr(self, "estimator_") else self.estimator, name
        )
        return True

    return check


class Compressed(MetaEstimatorMixin, DocLinkMixin, BaseEstimator):
    """Fit an estimator, then compress it: the whole recipe as one estimator.

    ``fit`` trains a clone of ``estimator`` and hands the fitted model, with
    the training data, to ``recipe``, which returns the compressed model
    kept as ``estimator_``; ``predict``, ``predict_proba`` and ``score`` are
    its.  Cross-validation, grid search and pipelines thus evaluate the
    recipe (training, pruning, fine-tuning, quantizing...) fold by fold,
    never a model compressed with the test fold's help.

    Parameters
    ----------
    estimator : MLPClassifier or MLPRegressor
        The model to train (cloned; never modified).
    recipe : callable
        ``recipe(fitted, X, y, **recipe_params)`` returning the compressed
        fitted model, built from the functions of :mod:`skmlp.compression`;
        when ``fit`` is given sample weights it also receives
        ``sample_weight=`` (to pass on to fine-tuning).
    recipe_params : dict, default=None
        Keyword arguments for ``recipe``, so that a grid search can vary
        them.

    Attributes
    ----------
    estimator_ : MLPClassifier or MLPRegressor
        The compressed model.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.model_selection import cross_val_score
    >>> from sklearn.preprocessing import scale
    >>> from skmlp import MLPClassifier
    >>> from skmlp.compression import Compressed, prune, quantize
    >>> X, y = load_iris(return_X_y=True)
    >>> X = scale(X)
    >>> def recipe(model, X, y, sparsity=0.5):
    ...     return quantize(prune(model, sparsity, X=X, y=y, max_iter=50), bits=8)
    >>> model = MLPClassifier((16,), max_iter=500, random_state=0)
    >>> scores = cross_val_score(Compressed(model, recipe), X, y, cv=3)
    >>> bool(scores.mean() > 0.85)
    True
    """

    def __init__(self, estimator, recipe: Callable, recipe_params: dict | None = None):
        self.estimator = estimator
        self.recipe = recipe
        self.recipe_params = recipe_params

    def fit(self, X, y, sample_weight=None):
        """Train a clone of ``estimator`` on ``(X, y)`` and compress it.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training inputs.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Targets.
        sample_weight : array-like of shape (n_samples,), default=None
            Sample weights, for the training and passed on to ``recipe``.

        Returns
        -------
        self : Compressed
            The fitted recipe.
        """
        if not isinstance(self.estimator, ESTIMATORS):
            raise TypeError(
                "estimator must be a skmlp MLPClassifier or MLPRegressor, got "
                f"{type(self.estimator).__name__}."
            )
        if not callable(self.recipe):
            raise TypeError(f"recipe must be callable, got {self.recipe!r}.")
        fitted = clone(self.estimator).fit(X, y, sample_weight=sample_weight)
        params = dict(self.recipe_params or {})
        if sample_weight is not None:
            params["sample_weight"] = sample_weight
        compressed = self.recipe(fitted, X, y, **params)
        if type(compressed) is not type(fitted):
            raise TypeError(
                f"recipe must return a fitted {type(fitted).__name__}, got "
                f"{type(compressed).__name__}."
            )
        self.estimator_ = compressed
        self.n_features_in_ = compressed.n_features_in_
        if hasattr(compressed, "classes_"):
            self.classes_ = compressed.classes_
        return self

    def predict(self, X):
        """The compressed model's predictions for ``X``."""
        check_is_fitted(self)
        return self.estimator_.predict(X)

    @available_if(_fitted_has("predict_proba"))
    def predict_proba(self, X):
        """The compressed classifier's class probabilities for ``X``."""
        check_is_fitted(self)
        return self.estimator_.predict_proba(X)

    @available_if(_fitted_has("predict_log_proba"))
    def predict_log_proba(self, X):
        """The compressed classifier's log-probabilities for ``X``."""
        check_is_fitted(self)
        return self.estimator_.predict_log_proba(X)

    def score(self, X, y, sample_weight=None):
        """The compressed model's score (accuracy or R^2) on ``(X, y)``."""
        check_is_fitted(self)
        return self.estimator_.score(X, y, sample_weight=sample_weight)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        inner = self.estimator.__sklearn_tags__()
        tags.estimator_type = inner.estimator_type
        tags.classifier_tags = inner.classifier_tags
        tags.regressor_tags = inner.regressor_tags
        tags.target_tags = inner.target_tags
        tags.input_tags.sparse = inner.input_tags.sparse
        return tags
