"""Distillation: a student trained on a teacher's softened outputs."""

from __future__ import annotations

import math

import numpy as np
from sklearn.base import clone
from sklearn.preprocessing import label_binarize

from skmlp import MLPClassifier, MLPRegressor
from skmlp.compression._checks import ESTIMATORS, check_model, check_real


def distill(
    teacher,
    student,
    X,
    y=None,
    *,
    temperature: float = 2.0,
    hard_weight: float = 0.1,
    sample_weight=None,
):
    """Train a (smaller) student to imitate a fitted teacher.

    A classifier student is fit to the teacher's probabilities softened at
    temperature :math:`T` (Hinton, Vinyals and Dean, 2015),

    .. math::

        t_k = \\frac{\\exp(z_k / T)}{\\sum_l \\exp(z_l / T)}

    with :math:`z` the teacher's logits (per output, :math:`\\sigma(z / T)`,
    for one-output and multilabel teachers), mixed with the one-hot labels
    ``y`` when given, :math:`(1 - h)\\, t + h\\, y`, by the cross-entropy.
    The student learns logits near :math:`z / T`; its output layer is then
    multiplied by :math:`T`, which puts its probabilities on the teacher's
    scale.  For soft targets alone this minimizes Hinton et al.'s objective
    up to the output layer's scale (and its share of the L2 penalty).

    A regressor student is fit to the teacher's predictions, mixed with
    ``y`` the same way when given.

    Parameters
    ----------
    teacher : MLPClassifier or MLPRegressor
        A fitted model; it is not modified.
    student : MLPClassifier or MLPRegressor
        The model to train, of the teacher's kind; its parameters are used
        (it is cloned, never modified).
    X : {array-like, sparse matrix} of shape (n_samples, n_features)
        Inputs to distil on (unlabelled data works).
    y : array-like, default=None
        True labels or targets to mix in.
    temperature : float > 0, default=2.0
        :math:`T`; 1 fits the teacher's probabilities as they are.
    hard_weight : float in [0, 1], default=0.1
        :math:`h`, the weight of ``y`` (ignored without ``y``).
    sample_weight : array-like of shape (n_samples,), default=None
        Sample weights.

    Returns
    -------
    student : MLPClassifier or MLPRegressor
        The fitted student (a new object).

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.preprocessing import scale
    >>> from skmlp import MLPClassifier
    >>> from skmlp.compression import distill
    >>> X, y = load_iris(return_X_y=True)
    >>> X = scale(X)
    >>> teacher = MLPClassifier((50,), max_iter=800, random_state=0).fit(X, y)
    >>> student = MLPClassifier((4,), max_iter=800, random_state=0)
    >>> fitted = distill(teacher, student, X, temperature=2.0)
    >>> bool(fitted.score(X, y) > 0.9)
    True
    """
    check_model(teacher, "teacher")
    if not isinstance(student, ESTIMATORS) or (
        isinstance(teacher, MLPClassifier) != isinstance(student, MLPClassifier)
    ):
        raise TypeError(
            f"student must be a skmlp estimator of the teacher's kind "
            f"({type(teacher).__name__}), got {type(student).__name__}."
        )
    check_real(temperature, "temperature", 0, math.inf, "neither")
    check_real(hard_weight, "hard_weight", 0, 1, "both")
    student = clone(student)
    if isinstance(teacher, MLPRegressor):
        targets = teacher.predict(X)
        if y is not None:
            targets = (1 - hard_weight) * targets + hard_weight * np.asarray(y)
        return student.fit(X, targets, sample_weight=sample_weight)
    targets = _soft_targets(teacher, X, temperature)
    if y is not None:
        hard = _one_hot(teacher, y, targets.shape)
        targets = (1 - hard_weight) * targets + hard_weight * hard
    if targets.shape[1] == 1:
        targets = targets.ravel()
    student._fit_soft(X, targets, teacher, sample_weight)
    # Views of the flat weights: scaling them scales the trained network.
    student.coefs_[-1] *= temperature
    student.intercepts_[-1] *= temperature
    return student


def _soft_targets(teacher, X, temperature):
    """The teacher's outputs at ``temperature``, encoded like its network's."""
    log_proba = teacher.predict_log_proba(X)
    if teacher.n_outputs_ > 1 and teacher.out_activation_ == "softmax":
        scaled = log_proba / temperature
        scaled -= scaled.max(axis=1, keepdims=True)
        np.exp(scaled, out=scaled)
        return scaled / scaled.sum(axis=1, keepdims=True)
    if teacher.n_outputs_ == 1:
        logit = log_proba[:, 1] - log_proba[:, 0]
    else:
        proba = np.exp(log_proba)
        logit = np.log(proba) - np.log1p(-proba)
    soft = 1 / (1 + np.exp(-logit / temperature))
    return (
        soft.reshape(X.shape[0], -1) if teacher.n_outputs_ > 1 else soft.reshape(-1, 1)
    )


def _one_hot(teacher, y, shape):
    y = np.asarray(y)
    if y.ndim == 2 and y.shape == shape:
        return y.astype(np.float64)
    unknown = np.setdiff1d(np.unique(y), teacher.classes_)
    if unknown.size:
        raise ValueError(
            f"y has classes {unknown.tolist()} that the teacher does not know "
            f"(its classes_ are {teacher.classes_.tolist()})."
        )
    hard = label_binarize(y, classes=teacher.classes_).astype(np.float64)
    return hard if hard.shape[1] == shape[1] else hard[:, -1:]
