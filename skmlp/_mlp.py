"""The estimators: MLPClassifier (alias MLP) and MLPRegressor.

Each adds to :class:`skmlp._base._BaseMLP` what is its own: the targets it
takes and how they are encoded, the output activation and loss, the score,
``predict`` (and the classifier's probabilities), ``partial_fit``.
"""

from __future__ import annotations

import copy
import inspect

import numpy as np
from sklearn.base import ClassifierMixin, RegressorMixin, _fit_context
from sklearn.metrics import accuracy_score, r2_score
from sklearn.preprocessing import LabelBinarizer
from sklearn.utils._param_validation import StrOptions
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import (
    _check_partial_fit_first_call,
    check_classification_targets,
    type_of_target,
    unique_labels,
)
from sklearn.utils.validation import _check_sample_weight

from skmlp import _predicting
from skmlp._base import _BaseMLP, _has_partial_fit
from skmlp._class_weight import ClassWeights
from skmlp._docs import CLASSIFIER_DOC, REGRESSOR_DOC


def _with_first_parameter(init, name, default):
    """``init``'s signature with one more parameter first (after ``self``)."""
    signature = inspect.signature(init)
    self_, *rest = signature.parameters.values()
    first = inspect.Parameter(
        name, inspect.Parameter.POSITIONAL_OR_KEYWORD, default=default
    )
    return signature.replace(parameters=[self_, first, *rest])


def _with_last_parameter(init, name, default):
    """``init``'s signature with one more keyword-only parameter last."""
    signature = inspect.signature(init)
    last = inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=default)
    return signature.replace(parameters=[*signature.parameters.values(), last])


def _check_multilabel_classes(classes, y):
    """The classes of a multilabel indicator ``y`` are its column indices.

    Any other ``classes`` would give ``classes_`` and the network's outputs
    different lengths (and later calls compare against them).
    """
    columns = np.arange(np.shape(y)[1])
    if not np.array_equal(classes, columns):
        raise ValueError(
            "classes must be the column indices of the multilabel y, "
            f"{columns.tolist()}; got {np.asarray(classes).tolist()}."
        )


def _has_classifier_partial_fit(estimator):
    """As for the regressor, and not with ``class_weight="balanced"``, which
    scikit-learn's SGDClassifier refuses there too."""
    if estimator.class_weight == "balanced":
        raise AttributeError(
            "partial_fit is not available with class_weight='balanced': one "
            "call's classes are no estimate of their frequencies. Compute the "
            "weights from (a large sample of) the whole target with "
            "sklearn.utils.class_weight.compute_class_weight('balanced', "
            "classes=classes, y=y) and pass them as a class_weight dict."
        )
    return _has_partial_fit(estimator)


class MLPClassifier(ClassifierMixin, _BaseMLP):
    __doc__ = CLASSIFIER_DOC
    # The public name skops and pickle record (skmlp.MLP*, not skmlp._mlp).
    __module__ = "skmlp"

    _metric = staticmethod(accuracy_score)

    _parameter_constraints: dict = {
        **_BaseMLP._parameter_constraints,
        "class_weight": [StrOptions({"balanced"}), dict, None],
    }

    _FIT_STATE = (*_BaseMLP._FIT_STATE, "_class_weights")

    # The shared parameters are _BaseMLP's, with ``class_weight`` last (where
    # scikit-learn adds new parameters); __signature__ (below) shows them all
    # to get_params, clone and help().
    def __init__(
        self,
        hidden_layer_sizes=(100,),
        activation="relu",
        *,
        class_weight=None,
        **params,
    ):
        super().__init__(hidden_layer_sizes, activation, **params)
        self.class_weight = class_weight

    __init__.__signature__ = _with_last_parameter(
        _BaseMLP.__init__, "class_weight", None
    )

    def _loss_name(self):
        return (
            "log_loss"
            if self._label_binarizer.y_type_ == "multiclass"
            else ("binary_log_loss")
        )

    def _output_activation(self):
        return (
            "softmax" if self._label_binarizer.y_type_ == "multiclass" else ("logistic")
        )

    def _stratify_split(self, Y):
        # Stratify binary and multiclass targets (scikit-learn only stratifies
        # binary ones); multilabel rows have no single class to stratify on.
        return self._label_binarizer.y_type_ != "multilabel-indicator"

    def _decode_targets(self, Y):
        return self._label_binarizer.inverse_transform(Y)

    def _validate_input(self, X, y, incremental, reset):
        X, y = self._validate_xy(X, y, reset)
        check_classification_targets(y)
        if not hasattr(self, "classes_") or (not self.warm_start and not incremental):
            self._label_binarizer = LabelBinarizer()
            self._label_binarizer.fit(y)
            self.classes_ = self._label_binarizer.classes_
        else:
            self._check_target_kind(y)
            classes = unique_labels(y)
            if self.warm_start and not incremental:
                if set(classes) != set(self.classes_):
                    raise ValueError(
                        "warm_start can only be used where `y` has the same "
                        "classes as in the previous call to fit. Previously got "
                        f"{self.classes_}, `y` has {classes}"
                    )
            elif len(np.setdiff1d(classes, self.classes_, assume_unique=True)):
                raise ValueError(
                    "`y` has classes not in `self.classes_`. `self.classes_` has "
                    f"{self.classes_}. 'y' has {classes}."
                )
        # bool keeps float32 training from being upcast by the targets.
        return X, self._label_binarizer.transform(y).astype(bool)

    def _check_target_kind(self, y):
        """A continuation's ``y`` must be multilabel, with the same columns,
        exactly when the classes were learned from a multilabel ``y``."""
        multilabel = y.ndim == 2 and type_of_target(y).startswith("multilabel")
        fitted = self._label_binarizer.y_type_ == "multilabel-indicator"
        if multilabel != fitted:
            kinds = ("a multilabel indicator matrix", "class labels")
            raise ValueError(
                f"y is {kinds[not multilabel]} but the model was fit on "
                f"{kinds[not fitted]}; fit a new model for another kind of target."
            )
        if multilabel and y.shape[1] != len(self.classes_):
            raise ValueError(
                f"y has {y.shape[1]} label columns but the model was fit on "
                f"{len(self.classes_)} (classes_ = {self.classes_.tolist()}); "
                "every call must give the same columns."
            )

    def _sample_weights(self, X, Y, sample_weight, encoded):
        """The sample weights times ``class_weight`` (for hard labels), as
        scikit-learn's linear classifiers apply it (:mod:`skmlp._class_weight`)."""
        self._class_weights = None
        if self.class_weight is None or encoded:
            return super()._sample_weights(X, Y, sample_weight, encoded)
        if sample_weight is not None:
            sample_weight = _check_sample_weight(
                sample_weight, X, dtype=np.float64, ensure_non_negative=True
            )
        self._class_weights = ClassWeights(
            self.class_weight,
            self.classes_,
            self._label_binarizer.y_type_,
            Y,
            sample_weight,
        )
        return self._class_weights.weigh(Y, sample_weight, X)

    def _weigh_classes(self, Y, sample_weight, X):
        if getattr(self, "_class_weights", None) is None:
            return super()._weigh_classes(Y, sample_weight, X)
        return self._class_weights.weigh(Y, sample_weight, X)

    def _predict(self, X, check_input=True):
        y_pred = self._forward(X, check_input)
        if self.n_outputs_ == 1:
            y_pred = y_pred.ravel()
        return _predicting.decode(self._label_binarizer, y_pred)

    @available_if(_has_classifier_partial_fit)
    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y, sample_weight=None, classes=None):
        """Update the model with one epoch over the given data.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input data.
        y : array-like of shape (n_samples,) or (n_samples, n_classes)
            The target labels.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative sample weights.
        classes : array-like of shape (n_classes,), default=None
            Every class across all calls; required on the first call, and
            fixed by it. For a multilabel ``y`` (an indicator matrix) the
            classes are its column indices, ``np.arange(n_labels)``, and every
            later call must give the same number of columns.

        Returns
        -------
        self : object
            The updated estimator.
        """
        with self._forget_on_failure():
            if _check_partial_fit_first_call(self, classes):
                self._label_binarizer = LabelBinarizer()
                # type_of_target casts float labels to int to spot integral
                # ones, which warns on NaN; validate_data then rejects the NaN.
                with np.errstate(invalid="ignore"):
                    multilabel = type_of_target(y).startswith("multilabel")
                if multilabel:
                    self._label_binarizer.fit(y)
                    _check_multilabel_classes(self.classes_, y)
                else:
                    self._label_binarizer.fit(classes)
            return self._fit(X, y, sample_weight, incremental=True)

    def _fit_soft(self, X, Y, like, sample_weight=None):
        """Fit to soft targets ``Y`` (encoded like ``like``'s outputs: class
        probabilities, or one probability per output) with ``like``'s
        classes; how :func:`skmlp.compression.distill` trains a student."""
        self._label_binarizer = copy.deepcopy(like._label_binarizer)
        self.classes_ = self._label_binarizer.classes_
        try:
            return self._fit(X, Y, sample_weight, incremental=False, encoded=True)
        except Exception:
            self._discard_fit()
            raise

    def predict_proba(self, X):
        """Probability estimates for each class.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input data.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Class probabilities, columns ordered as ``classes_``.
        """
        _predicting.check_fitted(self)
        y_pred = self._forward(X)
        low, high = self._probability_bounds(y_pred.dtype)
        # np.clip's numbers (NaN stays NaN), without its dispatch overhead.
        np.maximum(y_pred, low, out=y_pred)
        if high is not None:
            np.minimum(y_pred, high, out=y_pred)
        if self.n_outputs_ == 1:
            y_pred = y_pred.ravel()
            return np.vstack([1 - y_pred, y_pred]).T
        return y_pred

    def _probability_bounds(self, dtype):
        """Where probabilities are clipped, so that their logs stay finite.

        Saturated outputs round to exactly 0, or 1 for a sigmoid. Softmax rows
        only need a positive floor (an exact 1 has log 0); independent
        (multilabel) sigmoids stay strictly inside (0, 1); a binary output
        also returns ``1 - p``, which stays inside (0, 1) only if ``p`` keeps
        at least ``epsneg`` (the gap below 1) from both ends.
        """
        info = np.finfo(dtype)
        if self.out_activation_ == "softmax":
            return info.tiny, None
        if self.n_outputs_ == 1:
            return info.epsneg, 1 - info.epsneg
        return info.tiny, 1 - info.epsneg

    def predict_log_proba(self, X):
        """Logarithm of :meth:`predict_proba`.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input data.

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
            Log-probabilities, columns ordered as ``classes_``.
        """
        proba = self.predict_proba(X)
        return np.log(proba, out=proba)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_label = True
        return tags


class MLPRegressor(RegressorMixin, _BaseMLP):
    __doc__ = REGRESSOR_DOC
    # The public name skops and pickle record (skmlp.MLP*, not skmlp._mlp).
    __module__ = "skmlp"

    _metric = staticmethod(r2_score)

    _parameter_constraints: dict = {
        **_BaseMLP._parameter_constraints,
        "loss": [StrOptions({"squared_error", "poisson"})],
    }

    # The shared parameters are _BaseMLP's, with ``loss`` first, as in
    # scikit-learn's signature; __signature__ (below) shows them all to
    # get_params, clone and help().
    def __init__(
        self,
        loss="squared_error",
        hidden_layer_sizes=(100,),
        activation="relu",
        **params,
    ):
        super().__init__(hidden_layer_sizes, activation, **params)
        self.loss = loss

    __init__.__signature__ = _with_first_parameter(
        _BaseMLP.__init__, "loss", "squared_error"
    )

    def _loss_name(self):
        return self.loss

    def _output_activation(self):
        return "exp" if self.loss == "poisson" else "identity"

    def _stratify_split(self, Y):
        return False

    def _decode_targets(self, Y):
        return Y.ravel() if Y.shape[1] == 1 else Y

    def _validate_input(self, X, y, incremental, reset):
        X, y = self._validate_xy(X, y, reset, y_numeric=True)
        if y.dtype.kind in "US":
            # Numbers written as strings are numbers, as scikit-learn's
            # linear regressors take them; a word fails here, clearly.
            y = y.astype(X.dtype)
        if self.loss == "poisson" and np.any(y < 0):
            raise ValueError(
                "Some value(s) of y are negative which is not allowed for "
                "Poisson regression."
            )
        return X, y

    def _predict(self, X, check_input=True):
        y_pred = self._forward(X, check_input)
        return y_pred.ravel() if y_pred.shape[1] == 1 else y_pred

    @available_if(_has_partial_fit)
    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y, sample_weight=None):
        """Update the model with one epoch over the given data.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input data.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            The targets.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative sample weights.

        Returns
        -------
        self : object
            The updated estimator.
        """
        with self._forget_on_failure():
            return self._fit(X, y, sample_weight, incremental=True)


#: The name the textbook example uses: ``MLP`` is :class:`MLPClassifier`.
MLP = MLPClassifier
