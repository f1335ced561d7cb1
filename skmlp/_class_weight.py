"""The classifier's ``class_weight``: per-class weights multiplied into the
sample weights, as scikit-learn's linear classifiers apply theirs.

The weights are computed once per fit from the training targets (``None``:
every class 1; a dict ``{label: weight}``, the classes it leaves out 1;
``"balanced"``: ``n_samples / (n_classes * count)``, the counts weighted by
``sample_weight`` when it is given, as in scikit-learn's
``compute_class_weight``), then looked up for the training rows and for the
rows of a validation set (given or split off), so the validation score and
loss weigh the classes as training does.

A multilabel target is a binary target per column: ``"balanced"`` weighs
each row by the product over columns of its column's balanced weight for
the row's 0 or 1 (scikit-learn's ``compute_sample_weight``); a dict, which
names labels, has no meaning there and is refused.
"""

from __future__ import annotations

import numpy as np
from sklearn.utils.class_weight import compute_class_weight
from sklearn.utils.validation import _check_sample_weight


class ClassWeights:
    """The per-class weight table of one fit, and its lookup for encoded rows.

    ``Y`` is the encoded boolean target (one column for a binary target, one
    per class for a multiclass one, one per label for a multilabel one).
    """

    # Saved with a fitted estimator: recorded under its public name (skops).
    __module__ = "skmlp.state"

    def __init__(self, class_weight, classes, y_type, Y, sample_weight):
        self.multilabel = y_type == "multilabel-indicator"
        if not self.multilabel:
            self.table = _class_table(class_weight, classes, Y, sample_weight)
        elif isinstance(class_weight, dict):
            raise ValueError(
                "class_weight as a dict is not supported for multilabel y: its "
                "keys name classes, and each column of a multilabel y is a "
                "binary target. Use class_weight='balanced' or sample_weight."
            )
        else:
            self.table = np.ones((Y.shape[1], 2))
            for k, column in enumerate(Y.T.astype(np.intp)):
                present = np.unique(column)
                self.table[k, present] = compute_class_weight(
                    "balanced", classes=present, y=column, sample_weight=sample_weight
                )

    def rows(self, Y):
        """The class weight of each row of the encoded targets ``Y``."""
        if self.multilabel:
            columns = [self.table[k, c] for k, c in enumerate(Y.T.astype(np.intp))]
            return np.prod(columns, axis=0, dtype=np.float64)
        return self.table[_class_index(Y)]

    def weigh(self, Y, sample_weight, X):
        """``sample_weight`` (validated float64, or None: ones) times the
        rows' class weights, in the sample weights' dtype for ``X``."""
        weights = self.rows(Y)
        if sample_weight is not None:
            weights = weights * sample_weight
        return _check_sample_weight(weights, X)


def _class_index(Y):
    """Each row's class index: a binary target's one column is the index."""
    if Y.shape[1] == 1:
        return Y[:, 0].astype(np.intp)
    return Y.argmax(axis=1)


def _class_table(class_weight, classes, Y, sample_weight):
    """The weight of each class of ``classes`` (in its order)."""
    if class_weight == "balanced":
        index = _class_index(Y)
        _check_weighted_counts(classes, index, sample_weight)
        # Every class of classes_ is in y (fit learns them from it), so the
        # class indices give the labels' balanced weights.
        return compute_class_weight(
            "balanced",
            classes=np.arange(len(classes)),
            y=index,
            sample_weight=sample_weight,
        )
    return compute_class_weight(class_weight, classes=np.asarray(classes), y=classes)


def _check_weighted_counts(classes, index, sample_weight):
    """Each class needs some weight for "balanced" to divide by."""
    if sample_weight is None:
        return
    counts = np.bincount(index, weights=sample_weight, minlength=len(classes))
    empty = np.asarray(classes)[counts == 0]
    if len(empty):
        raise ValueError(
            "class_weight='balanced' divides by each class's total sample "
            f"weight, and the sample weights of class(es) {empty.tolist()} sum "
            "to zero: drop those rows, or give class_weight as a dict."
        )
