"""Compressed: a fit and its compression as one estimator, so that
cross-validation evaluates the whole recipe."""

import pickle

import numpy as np
import pytest
from sklearn.base import clone, is_classifier, is_regressor
from sklearn.datasets import load_iris
from sklearn.model_selection import GridSearchCV, KFold, cross_val_score
from sklearn.preprocessing import scale
from sklearn.utils.estimator_checks import check_estimator

from skmlp import MLPClassifier, MLPRegressor
from skmlp.compression import Compressed, prune, quantize
from skmlp.weights import SparseWeights

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

X, Y = load_iris(return_X_y=True)
X = scale(X)


def prune_and_quantize(model, X, y, sparsity=0.5, sample_weight=None):
    pruned = prune(model, sparsity, X=X, y=y, sample_weight=sample_weight, max_iter=20)
    return quantize(pruned, 8)


def quantize_only(model, X, y, sample_weight=None):
    return quantize(model, 8)


def test_cross_validation_scores_the_recipe_fold_by_fold():
    model = MLPClassifier((16,), max_iter=300, random_state=0)
    recipe = Compressed(model, prune_and_quantize)
    folds = KFold(3, shuffle=True, random_state=0)
    scores = cross_val_score(recipe, X, Y, cv=folds)
    expected = []
    for train, test in folds.split(X):
        fitted = clone(model).fit(X[train], Y[train])
        small = prune_and_quantize(fitted, X[train], Y[train])
        expected.append(small.score(X[test], Y[test]))
    assert scores.tolist() == expected


def test_grid_search_varies_the_recipes_parameters():
    recipe = Compressed(
        MLPClassifier((16,), max_iter=300, random_state=0), prune_and_quantize
    )
    grid = {"recipe_params": [{"sparsity": 0.3}, {"sparsity": 0.9}]}
    search = GridSearchCV(recipe, grid, cv=3).fit(X, Y)
    assert len(search.cv_results_["mean_test_score"]) == 2
    best = search.best_estimator_.estimator_
    assert isinstance(best.coefs_[0], SparseWeights)


def test_the_fitted_recipe_predicts_with_the_compressed_model():
    model = MLPClassifier((16,), max_iter=300, random_state=0)
    recipe = Compressed(model, prune_and_quantize).fit(X, Y)
    assert not hasattr(model, "coefs_")
    assert is_classifier(recipe)
    assert np.array_equal(recipe.predict_proba(X), recipe.estimator_.predict_proba(X))
    assert np.array_equal(recipe.classes_, [0, 1, 2])
    loaded = pickle.loads(pickle.dumps(recipe))
    assert np.array_equal(loaded.predict(X), recipe.predict(X))
    regressor = Compressed(MLPRegressor(max_iter=50), quantize_only)
    assert is_regressor(regressor) and not hasattr(regressor, "predict_proba")


@pytest.mark.parametrize(
    "estimator, error, match",
    [
        (
            Compressed(MLPClassifier(max_iter=5), "prune"),
            TypeError,
            "recipe must be callable",
        ),
        (
            Compressed(MLPClassifier(max_iter=5), lambda m, X, y: "small"),
            TypeError,
            "recipe must return a fitted MLPClassifier, got str",
        ),
        (Compressed(object(), quantize_only), TypeError, "estimator must be a skmlp"),
    ],
)
def test_bad_recipes_are_named(estimator, error, match):
    with pytest.raises(error, match=match):
        estimator.fit(X, Y)


@pytest.mark.parametrize(
    "estimator",
    [
        Compressed(MLPClassifier(max_iter=50, random_state=0), quantize_only),
        Compressed(MLPRegressor(max_iter=50, random_state=0), prune_and_quantize),
    ],
    ids=["classifier-quantize", "regressor-prune-quantize"],
)
def test_check_estimator(estimator):
    results = check_estimator(estimator, on_fail=None)
    failed = [
        (r["check_name"], r["exception"]) for r in results if r["status"] == "failed"
    ]
    assert failed == []
    assert len(results) > 50


def test_probabilities_are_there_only_for_a_classifier_recipe():
    classifier = Compressed(
        MLPClassifier((8,), max_iter=100, random_state=0), quantize_only
    )
    classifier.fit(X, Y)
    assert np.array_equal(
        classifier.predict_log_proba(X), classifier.estimator_.predict_log_proba(X)
    )
    regressor = Compressed(MLPRegressor(max_iter=50, random_state=0), quantize_only)
    regressor.fit(X, X[:, 0])
    assert not hasattr(regressor, "predict_proba")
    assert not hasattr(regressor, "predict_log_proba")
    assert regressor.score(X, X[:, 0]) == regressor.estimator_.score(X, X[:, 0])
