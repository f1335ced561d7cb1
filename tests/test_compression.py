"""skmlp.compression: what each method returns, stores and refuses.

Oracles: NumPy's SVD (Eckart-Young), the written quantization and pruning
rules, and the uncompressed network the stored layers decode to.  The
Hypothesis properties are in test_compression_properties.py.
"""

import copy
import pickle
from dataclasses import replace

import numpy as np
import pytest
from sklearn.datasets import load_iris, make_multilabel_classification
from sklearn.exceptions import NotFittedError
from sklearn.model_selection import cross_val_score
from sklearn.neural_network import MLPClassifier as SklearnMLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler, scale

from skmlp import MLPClassifier, MLPRegressor
from skmlp.compression import (
    distill,
    low_rank,
    prune,
    quantize,
    report,
    share_weights,
)
from skmlp.weights import (
    CodebookValues,
    DenseWeights,
    LowRankWeights,
    QuantizedValues,
    SparseWeights,
)

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

X_IRIS, Y_IRIS = load_iris(return_X_y=True)
X_IRIS = scale(X_IRIS)


@pytest.fixture(scope="module")
def model():
    return MLPClassifier((16, 12), max_iter=300, random_state=0).fit(X_IRIS, Y_IRIS)


@pytest.fixture(scope="module")
def regressor():
    y = X_IRIS[:, 0] * 2 - X_IRIS[:, 1]
    model = MLPRegressor(hidden_layer_sizes=(16,), max_iter=300, random_state=0)
    return model.fit(X_IRIS[:, 1:], y)


def _snapshot(estimator):
    coefs = [W.copy() for W in estimator.coefs_]
    return coefs, estimator.get_params(), pickle.dumps(estimator)


def _unchanged(estimator, snapshot):
    coefs, params, pickled = snapshot
    assert all(np.array_equal(a, b) for a, b in zip(estimator.coefs_, coefs))
    assert estimator.get_params() == params
    # Every other attribute too: fitted state, optimizer state, caches.
    assert pickle.dumps(estimator) == pickled


METHODS = {
    "prune": lambda m: prune(m, 0.6),
    "prune-tuned": lambda m: prune(m, 0.6, X=X_IRIS, y=Y_IRIS, max_iter=20),
    "prune-per-layer": lambda m: prune(m, 0.6, per_layer=True),
    "structured": lambda m: prune(m, 0.5, structured=True),
    "structured-tuned": lambda m: prune(
        m, 0.5, structured=True, X=X_IRIS, y=Y_IRIS, max_iter=20
    ),
    "quantize8": lambda m: quantize(m, 8),
    "quantize4": lambda m: quantize(m, 4),
    "low_rank": lambda m: low_rank(m, rank=3),
    "share": lambda m: share_weights(m, 8, random_state=0),
    "chain": lambda m: quantize(share_weights(prune(m, 0.5), 4), 4),
    "chain-reversed": lambda m: prune(
        share_weights(quantize(low_rank(m, rank=3))), 0.5
    ),
}


# ------------------------------------------------------- what comes back
@pytest.mark.parametrize("method", list(METHODS))
def test_result_is_a_fitted_copy_that_pickles(model, method):
    before = _snapshot(model)
    small = METHODS[method](model)
    _unchanged(model, before)
    assert type(small) is MLPClassifier
    assert small is not model
    np.testing.assert_array_equal(small.classes_, model.classes_)
    proba = small.predict_proba(X_IRIS)
    assert proba.shape == (150, 3) and np.allclose(proba.sum(axis=1), 1)
    assert 0 <= small.score(X_IRIS, Y_IRIS) <= 1
    loaded = pickle.loads(pickle.dumps(small))
    assert np.array_equal(loaded.predict_proba(X_IRIS), proba)
    # The pickle's length itself may move by a few bytes of pickle's
    # bookkeeping (which strings are shared objects); the rest is the same.
    ignore_length = {"pickled_bytes": 0}
    assert replace(report(loaded), **ignore_length) == replace(
        report(small), **ignore_length
    )


@pytest.mark.parametrize("method", ["prune", "quantize4", "low_rank", "share"])
def test_regressors_compress_too(regressor, method):
    before = _snapshot(regressor)
    small = METHODS[method](regressor)
    _unchanged(regressor, before)
    assert type(small) is MLPRegressor
    assert small.predict(X_IRIS[:, 1:]).shape == (150,)


def test_compressed_model_works_in_a_pipeline_and_clones_to_the_recipe(model):
    X, y = load_iris(return_X_y=True)
    pipe = make_pipeline(
        StandardScaler(), MLPClassifier((16,), max_iter=1000, random_state=0)
    )
    pipe.fit(X, y)
    pipe.steps[-1] = ("mlp", quantize(pipe[-1], 8))
    assert pipe.score(X, y) > 0.9
    assert isinstance(pipe[-1].coefs_[0], DenseWeights)
    # clone (inside cross_val_score) gives the estimator's parameters back.
    scores = cross_val_score(pipe, X, y, cv=3)
    assert scores.shape == (3,)


# ---------------------------------------------------------------- pruning
def test_global_pruning_zeroes_the_smallest_weights(model):
    pruned = prune(model, 0.7)
    layers = [np.asarray(W) for W in model.coefs_]
    weights = np.concatenate([W.ravel() for W in layers])
    kept = np.concatenate([np.asarray(W).ravel() for W in pruned.coefs_])
    n_zero = int(np.ceil(0.7 * weights.size))
    assert np.count_nonzero(kept == 0) == n_zero
    # Every kept weight is one of the largest, unchanged.
    assert np.array_equal(kept[kept != 0], weights[kept != 0])
    assert np.abs(weights[kept != 0]).min() >= np.abs(weights[kept == 0]).max()
    assert all(isinstance(W, SparseWeights) for W in pruned.coefs_)
    assert np.array_equal(pruned.intercepts_[0], model.intercepts_[0])


def test_per_layer_pruning_reaches_the_sparsity_in_every_layer(model):
    pruned = prune(model, 0.5, per_layer=True)
    for W, original in zip(pruned.coefs_, model.coefs_):
        dense = np.asarray(W)
        assert np.mean(dense == 0) >= 0.5
        assert np.mean(dense == 0) - 0.5 < 1 / original.size


@pytest.mark.parametrize("solver", ["adam", "sgd", "lbfgs"])
def test_a_warm_start_from_pruned_layers_keeps_their_zeros(solver):
    """What fine-tuning relies on, seen before prune re-stores the layers:
    training itself never moves a structural zero."""
    base = MLPClassifier((16,), solver=solver, max_iter=100, random_state=0)
    base.fit(X_IRIS, Y_IRIS)
    pruned = prune(base, 0.8)
    zeros = [np.asarray(W) == 0 for W in pruned.coefs_]
    pruned.set_params(warm_start=True, max_iter=30).fit(X_IRIS, Y_IRIS)
    assert all(isinstance(W, np.ndarray) for W in pruned.coefs_)
    for W, zero in zip(pruned.coefs_, zeros):
        assert np.all(W[zero] == 0)
        assert np.all(W[~zero] != 0)


@pytest.mark.parametrize("solver", ["adam", "sgd", "lbfgs"])
def test_fine_tuning_keeps_pruned_weights_at_exactly_zero(solver):
    base = MLPClassifier((16,), solver=solver, max_iter=100, random_state=0)
    base.fit(X_IRIS, Y_IRIS)
    untuned = prune(base, 0.8)
    tuned = prune(base, 0.8, X=X_IRIS, y=Y_IRIS, max_iter=30)
    for W_tuned, W_untuned in zip(tuned.coefs_, untuned.coefs_):
        zero = np.asarray(W_untuned) == 0
        assert np.all(np.asarray(W_tuned)[zero] == 0)
        # Training moved the kept weights.
        assert not np.array_equal(np.asarray(W_tuned), np.asarray(W_untuned))
    assert tuned.score(X_IRIS, Y_IRIS) >= untuned.score(X_IRIS, Y_IRIS)
    assert tuned.warm_start is False and tuned.max_iter == 100


def test_continued_training_keeps_structural_zeros(model):
    pruned = prune(model, 0.8)
    zeros = [np.asarray(W) == 0 for W in pruned.coefs_]
    pruned.partial_fit(X_IRIS, Y_IRIS)
    pruned.partial_fit(X_IRIS, Y_IRIS)
    assert all(np.all(W[z] == 0) for W, z in zip(pruned.coefs_, zeros))
    refit = copy.deepcopy(pruned).set_params(warm_start=False).fit(X_IRIS, Y_IRIS)
    # A fresh fit forgets the pruning, as fit forgets any earlier fit.
    assert all(np.mean(W == 0) < 0.1 for W in refit.coefs_)


def test_structured_pruning_removes_units_and_shrinks_the_network(model):
    smaller = prune(model, 0.5, structured=True, X=X_IRIS)
    assert smaller.hidden_layer_sizes == (8, 6)
    assert [W.shape for W in smaller.coefs_] == [(4, 8), (8, 6), (6, 3)]
    assert report(smaller).mult_adds == 4 * 8 + 8 * 6 + 6 * 3
    assert model.hidden_layer_sizes == (16, 12)


def test_structured_pruning_drops_dead_units_exactly():
    base = MLPClassifier((10,), max_iter=300, random_state=0)
    base.fit(X_IRIS, Y_IRIS)
    dead = [1, 4, 7]
    base.coefs_[0][:, dead] = 0  # views: the flat weights change too
    smaller = prune(base, 0.0, structured=True)
    assert smaller.hidden_layer_sizes == (7,)
    # The dead units' constant relu(b) now sits in the output biases: the
    # same function, up to the order of a few float additions.
    np.testing.assert_allclose(
        smaller.predict_proba(X_IRIS), base.predict_proba(X_IRIS), rtol=1e-12
    )


def test_structured_importance_uses_the_data_when_given(model):
    outputs = model._hidden_outputs(X_IRIS)[0]
    importance = np.abs(outputs).mean(axis=0) * np.linalg.norm(model.coefs_[1], axis=1)
    smaller = prune(model, 0.5, structured=True, X=X_IRIS)
    kept = np.sort(np.argsort(-importance, kind="stable")[:8])
    np.testing.assert_array_equal(smaller.coefs_[0], model.coefs_[0][:, kept])


# ----------------------------------------------------------- quantization
@pytest.mark.parametrize("bits", [4, 8])
def test_quantized_weights_are_stored_integers_times_unit_scales(model, bits):
    small = quantize(model, bits)
    top = 2 ** (bits - 1) - 1
    for W, original in zip(small.coefs_, model.coefs_):
        values = W.values
        assert isinstance(values, QuantizedValues)
        q = values.integers().reshape(W.shape)
        assert np.abs(q).max() == top
        scales = np.abs(original).max(axis=0) / top
        np.testing.assert_array_equal(values.scales, scales)
        np.testing.assert_array_equal(q, np.rint(original / scales))
        assert values.codes.nbytes == (q.size * bits + 7) // 8


def test_predictions_come_from_the_stored_integers(model):
    small = quantize(model, 8)
    before = small.predict_proba(X_IRIS)
    codes = small.coefs_[0].values.codes
    codes[:] = 128  # every first-layer integer to 0
    after = small.predict_proba(X_IRIS)
    assert not np.allclose(before, after)
    # A network whose first layer is all zeros predicts what this one does.
    dense = copy.deepcopy(model)
    dense.coefs_[0][...] = 0
    dense.coefs_[1][...] = np.asarray(small.coefs_[1])
    dense.coefs_[2][...] = np.asarray(small.coefs_[2])
    assert np.array_equal(after, dense.predict_proba(X_IRIS))


def test_quantizing_shared_weights_quantizes_the_codebook(model):
    shared = share_weights(prune(model, 0.5), 16, random_state=0)
    small = quantize(shared, 8)
    for W, S in zip(small.coefs_, shared.coefs_):
        assert isinstance(W, SparseWeights) and isinstance(W.values, CodebookValues)
        assert isinstance(W.values.codebook, QuantizedValues)
        assert np.array_equal(W.values.codes, S.values.codes)
        assert np.array_equal(W.indices, S.indices)


# --------------------------------------------------------------- low rank
def test_low_rank_is_the_truncated_svd(model):
    small = low_rank(model, rank=2)
    for W, original in zip(small.coefs_, model.coefs_):
        assert isinstance(W, LowRankWeights) and W.rank == 2
        s = np.linalg.svd(original, compute_uv=False)
        error = np.linalg.norm(original - np.asarray(W)) ** 2
        # Eckart-Young: the squared error is the dropped squared singular values.
        assert error == pytest.approx(np.sum(s[2:] ** 2), rel=1e-10)
        n_in, n_out = original.shape
        assert W.n_stored == W.mult_adds == 2 * (n_in + n_out)


def test_energy_picks_the_smallest_rank_keeping_it(model):
    small = low_rank(model, energy=0.8)
    for W, original in zip(small.coefs_, model.coefs_):
        s2 = np.linalg.svd(original, compute_uv=False) ** 2
        kept = np.cumsum(s2) / s2.sum()
        assert kept[W.rank - 1] >= 0.8
        assert W.rank == 1 or kept[W.rank - 2] < 0.8


def test_an_int_rank_is_capped_at_each_layers_full_rank(model):
    small = low_rank(model, rank=8)
    assert [W.rank for W in small.coefs_] == [4, 8, 3]
    assert [W.rank for W in low_rank(model, rank=[2, 5, 1]).coefs_] == [2, 5, 1]


# --------------------------------------------------------- shared weights
def test_shared_weights_use_at_most_n_values_per_layer(model):
    shared = share_weights(model, 4, random_state=0)
    for W in shared.coefs_:
        assert np.unique(np.asarray(W)).size <= 4
        # Four values: 2-bit indices, four to a byte.
        assert W.values.bits == 2
        assert W.values.codes.nbytes == -(-W.shape[0] * W.shape[1] // 4)


@pytest.mark.parametrize("init", ["linear", "k-means++", "random"])
def test_shared_weights_are_deterministic_with_random_state(model, init):
    a = share_weights(model, 8, init=init, random_state=3)
    b = share_weights(model, 8, init=init, random_state=3)
    assert all(
        np.array_equal(np.asarray(u), np.asarray(v)) for u, v in zip(a.coefs_, b.coefs_)
    )


def test_shared_weights_of_a_pruned_model_keep_its_zeros(model):
    pruned = prune(model, 0.7)
    shared = share_weights(pruned, 2, random_state=0)
    for W, P in zip(shared.coefs_, pruned.coefs_):
        zero = np.asarray(P) == 0
        assert np.all(np.asarray(W)[zero] == 0)
        assert np.all(np.asarray(W)[~zero] != 0)


# ----------------------------------------------------------- distillation
def test_distilled_student_learns_the_teacher(model):
    student = MLPClassifier(
        (8,), max_iter=2000, learning_rate_init=0.01, random_state=0
    )
    fitted = distill(model, student, X_IRIS, temperature=2.0)
    assert not hasattr(student, "coefs_")
    np.testing.assert_array_equal(fitted.classes_, model.classes_)
    agreement = np.mean(fitted.predict(X_IRIS) == model.predict(X_IRIS))
    assert agreement >= 0.99


def test_temperature_sets_the_targets_and_the_output_scale(model):
    """At T, the student fits softmax(z / T); its output layer is then
    scaled by T. With one epoch of plain gradient descent from the same
    start, the T=1 student fit to targets softmax(z / T) is the same
    network before that scaling."""
    params = dict(solver="sgd", momentum=0, max_iter=1, batch_size=150, random_state=0)
    student = MLPClassifier((5,), **params)
    at_two = distill(model, student, X_IRIS, temperature=2.0)
    log_p = model.predict_log_proba(X_IRIS) / 2.0
    targets = np.exp(log_p - log_p.max(axis=1, keepdims=True))
    targets /= targets.sum(axis=1, keepdims=True)
    reference = clone_fit_soft(student, targets, model)
    np.testing.assert_allclose(
        at_two.coefs_[-1], 2.0 * reference.coefs_[-1], rtol=1e-12
    )
    np.testing.assert_array_equal(at_two.coefs_[0], reference.coefs_[0])


def clone_fit_soft(student, targets, like):
    from sklearn.base import clone

    return clone(student)._fit_soft(X_IRIS, targets, like)


def test_binary_and_multilabel_teachers_distill():
    X, Y = make_multilabel_classification(n_samples=120, n_classes=3, random_state=0)
    teacher = MLPClassifier((20,), max_iter=300, random_state=0).fit(X, Y)
    student = distill(teacher, MLPClassifier((8,), max_iter=300, random_state=0), X, Y)
    assert student.predict(X).shape == Y.shape
    binary = MLPClassifier((20,), max_iter=300, random_state=0)
    binary.fit(X_IRIS, Y_IRIS == 2)
    student = distill(binary, MLPClassifier((4,), max_iter=300, random_state=0), X_IRIS)
    assert np.mean(student.predict(X_IRIS) == binary.predict(X_IRIS)) > 0.95


def test_regressor_distills_on_the_teachers_predictions(regressor):
    X = X_IRIS[:, 1:]
    student = distill(
        regressor,
        MLPRegressor(hidden_layer_sizes=(8,), max_iter=500, random_state=0),
        X,
    )
    reference = MLPRegressor(hidden_layer_sizes=(8,), max_iter=500, random_state=0)
    reference.fit(X, regressor.predict(X))
    assert np.array_equal(student.predict(X), reference.predict(X))


# ----------------------------------------------------------------- report
def test_report_counts_a_dense_model(model):
    r = report(model)
    sizes = [(4, 16), (16, 12), (12, 3)]
    assert r.parameters == sum(a * b + b for a, b in sizes)
    assert r.mult_adds == sum(a * b for a, b in sizes)
    assert r.nbytes == 8 * r.parameters
    assert r.pickled_bytes == len(pickle.dumps(model))
    assert r.nonzero == r.parameters


def test_report_counts_a_sparse_model(model):
    pruned = prune(model, 0.75)
    r = report(pruned)
    nnz = sum(int(np.count_nonzero(np.asarray(W))) for W in pruned.coefs_)
    biases = sum(b.size for b in pruned.intercepts_)
    assert r.parameters == nnz + biases
    assert r.mult_adds == nnz


def test_a_pickle_holds_each_weight_once():
    X = np.random.default_rng(0).normal(size=(200, 64)).astype(np.float32)
    y = np.arange(200) % 4
    model = MLPClassifier(
        (256, 256), solver="sgd", momentum=0, max_iter=2, random_state=0
    )
    model.fit(X, y)
    weights = sum(W.nbytes + b.nbytes for W, b in zip(model.coefs_, model.intercepts_))
    # The weights once, SGD's velocity (kept to continue training), and a
    # few kilobytes of attributes.
    state = model._run.state.v.nbytes
    assert state == weights
    assert weights + state < len(pickle.dumps(model)) < weights + state + 8_000
    loaded = pickle.loads(pickle.dumps(model))
    assert all(np.shares_memory(W, loaded._theta) for W in loaded.coefs_)
    loaded.partial_fit(X, y)
    model.partial_fit(X, y)
    assert np.array_equal(loaded._theta, model._theta)


# -------------------------------------------------------------- bad input
def test_unfitted_models_raise_not_fitted(model):
    for call in (
        lambda m: prune(m, 0.5),
        lambda m: quantize(m),
        lambda m: low_rank(m, rank=1),
        lambda m: share_weights(m),
        lambda m: report(m),
        lambda m: distill(m, MLPClassifier(), X_IRIS),
    ):
        with pytest.raises(NotFittedError):
            call(MLPClassifier())


@pytest.mark.parametrize(
    "call, error, match",
    [
        (lambda m: prune(m, -0.1), ValueError, r"sparsity must be in \[0, 1\)"),
        (lambda m: prune(m, 1.0), ValueError, r"sparsity must be in \[0, 1\)"),
        (lambda m: prune(m, float("nan")), ValueError, "sparsity must be in"),
        (lambda m: prune(m, "half"), TypeError, "sparsity must be a real number"),
        (lambda m: prune(m, 0.5, y=Y_IRIS), ValueError, "y without X"),
        (
            lambda m: prune(m, 0.5, X=X_IRIS, y=Y_IRIS, max_iter=0),
            ValueError,
            "max_iter",
        ),
        (lambda m: quantize(m, 3), ValueError, "bits must be 4 or 8, got 3"),
        (lambda m: quantize(m, 16), ValueError, "bits must be 4 or 8"),
        (lambda m: quantize(m, True), ValueError, "bits must be 4 or 8"),
        (lambda m: low_rank(m, rank=17), ValueError, "larger than any layer allows"),
        (lambda m: low_rank(m, rank=[4, 13, 3]), ValueError, "layer 1 is larger"),
        (lambda m: low_rank(m, rank=0), ValueError, "positive integer"),
        (lambda m: low_rank(m, rank=[1, 1]), ValueError, "3 of them"),
        (lambda m: low_rank(m), ValueError, "exactly one of rank and energy"),
        (lambda m: low_rank(m, rank=1, energy=0.5), ValueError, "exactly one"),
        (lambda m: low_rank(m, energy=0.0), ValueError, r"energy must be in \(0, 1\]"),
        (lambda m: share_weights(m, 1), ValueError, "n_values must be in"),
        (lambda m: share_weights(m, 2.5), TypeError, "n_values must be an integer"),
        (lambda m: share_weights(m, init="best"), ValueError, "init must be"),
        (lambda m: distill(m, MLPRegressor(), X_IRIS), TypeError, "teacher's kind"),
        (
            lambda m: distill(m, SklearnMLPClassifier(), X_IRIS),
            TypeError,
            "student must be a skmlp estimator",
        ),
        (
            lambda m: distill(m, MLPClassifier(), X_IRIS, temperature=0),
            ValueError,
            "temperature",
        ),
        (
            lambda m: distill(m, MLPClassifier(), X_IRIS, np.full(150, 7)),
            ValueError,
            "classes",
        ),
        (
            lambda m: distill(m, MLPClassifier(), X_IRIS[:, :3]),
            ValueError,
            "3 features",
        ),
        (lambda m: prune(m, 0.5, X=X_IRIS[:, :3], y=Y_IRIS), ValueError, "3 features"),
        (
            lambda m: prune(m, 0.5, structured=True, X=X_IRIS[:, :3]),
            ValueError,
            "3 features",
        ),
        (lambda m: report(SklearnMLPClassifier()), TypeError, "skmlp MLPClassifier"),
    ],
)
def test_bad_input_names_the_problem_and_leaves_the_model(model, call, error, match):
    before = _snapshot(model)
    with pytest.raises(error, match=match):
        call(model)
    _unchanged(model, before)


@pytest.mark.parametrize("method", ["prune", "quantize4", "low_rank", "share", "chain"])
def test_sparse_inputs_predict_what_dense_ones_do(model, method):
    import scipy.sparse as sp

    small = METHODS[method](model)
    dense = small.predict_proba(X_IRIS)
    np.testing.assert_allclose(
        small.predict_proba(sp.csr_matrix(X_IRIS)), dense, rtol=1e-12
    )


def test_training_a_quantized_model_further_starts_from_its_decoded_weights(model):
    small = quantize(model, 4)
    decoded = [np.asarray(W) for W in small.coefs_]
    continued = copy.deepcopy(small).set_params(max_iter=1, warm_start=True)
    start = copy.deepcopy(continued)
    continued.fit(X_IRIS, Y_IRIS)
    assert all(isinstance(W, np.ndarray) for W in continued.coefs_)
    # One epoch from the decoded weights, as from a dense model holding them.
    reference = copy.deepcopy(model).set_params(max_iter=1, warm_start=True)
    for W, D in zip(reference.coefs_, decoded):
        W[...] = D
    del reference._run, reference._progress
    reference.fit(X_IRIS, Y_IRIS)
    assert all(np.array_equal(a, b) for a, b in zip(continued.coefs_, reference.coefs_))
    assert isinstance(start.coefs_[0], DenseWeights)


def test_structured_pruning_removes_the_units_the_group_penalty_dropped():
    from sklearn.datasets import load_digits

    X, y = load_digits(return_X_y=True)
    X = scale(X)
    model = MLPClassifier(
        (32, 32), penalty="group", alpha=1.0, max_iter=200, random_state=0
    )
    model.fit(X, y)
    dropped = [len(units) for units in model.dropped_units_]
    assert min(dropped) > 5
    smaller = prune(model, 0.0, structured=True)
    assert smaller.hidden_layer_sizes == tuple(32 - d for d in dropped)
    assert all(len(units) == 0 for units in smaller.dropped_units_)
    # Their constant outputs folded into the next biases: the same function,
    # up to the order of float64 additions (no fine-tuning).
    np.testing.assert_allclose(
        smaller.predict_proba(X), model.predict_proba(X), rtol=1e-12, atol=1e-15
    )
    assert smaller.score(X, y) == model.score(X, y)


def test_a_continued_pruned_model_keeps_its_mask_in_a_bit_per_weight():
    X = np.random.default_rng(0).normal(size=(300, 64)).astype(np.float32)
    y = np.arange(300) % 4
    model = MLPClassifier((256,), max_iter=3, random_state=0).fit(X, y)
    pruned = prune(model, 0.9)
    pruned.partial_fit(X, y)
    weights = sum(
        W.nbytes + b.nbytes for W, b in zip(pruned.coefs_, pruned.intercepts_)
    )
    # The weights once, Adam's two moments, the mask at a bit per weight.
    n_coef = sum(W.size for W in pruned.coefs_)
    assert pruned._kept.nbytes == -(-n_coef // 8)
    assert len(pickle.dumps(pruned)) < 3 * weights + n_coef // 8 + 8_000
    zeros = [W == 0 for W in pruned.coefs_]
    loaded = pickle.loads(pickle.dumps(pruned))
    loaded.partial_fit(X, y)
    assert all(np.all(W[z] == 0) for W, z in zip(loaded.coefs_, zeros))


@pytest.mark.parametrize("binary", [False, True])
def test_distilling_on_the_hard_labels_alone_is_the_plain_fit(binary):
    """hard_weight=1 at temperature 1: the targets are the one-hot labels,
    so the student is the same fit as on the labels themselves, bit for
    bit (the log loss of float one-hot targets has the same bits as of
    boolean ones)."""
    y = Y_IRIS == 2 if binary else Y_IRIS
    teacher = MLPClassifier((8,), max_iter=50, random_state=0).fit(X_IRIS, y)
    student = MLPClassifier((5,), max_iter=30, random_state=1)
    fitted = distill(teacher, student, X_IRIS, y, temperature=1.0, hard_weight=1.0)
    plain = MLPClassifier((5,), max_iter=30, random_state=1).fit(X_IRIS, y)
    assert fitted.loss_curve_ == plain.loss_curve_
    assert all(np.array_equal(a, b) for a, b in zip(fitted.coefs_, plain.coefs_))
    assert np.array_equal(fitted.classes_, plain.classes_)


def test_hard_weight_mixes_the_targets():
    """The targets at hard_weight h are (1 - h) soft + h one-hot: a student
    fit by hand to them with one full-batch step of plain gradient descent
    is the distilled one."""
    teacher = MLPClassifier((8,), max_iter=50, random_state=0).fit(X_IRIS, Y_IRIS)
    params = dict(solver="sgd", momentum=0, max_iter=1, batch_size=150, random_state=0)
    student = MLPClassifier((5,), **params)
    fitted = distill(teacher, student, X_IRIS, Y_IRIS, temperature=1.0, hard_weight=0.3)
    soft = teacher.predict_proba(X_IRIS)
    soft = np.exp(np.log(soft) - np.log(soft).max(axis=1, keepdims=True))
    soft /= soft.sum(axis=1, keepdims=True)
    targets = 0.7 * soft + 0.3 * np.eye(3)[Y_IRIS]
    reference = clone_fit_soft(student, targets, teacher)
    for a, b in zip(fitted.coefs_, reference.coefs_):
        np.testing.assert_allclose(a, b, rtol=1e-12)


def test_low_rank_of_an_all_zero_layer_keeps_rank_one(model):
    zeroed = copy.deepcopy(model)
    zeroed.coefs_[1][...] = 0
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        small = low_rank(zeroed, energy=0.5)
    assert small.coefs_[1].rank == 1
    assert np.array_equal(np.asarray(small.coefs_[1]), np.zeros((16, 12)))


def test_report_counts_the_stored_form_of_every_layer(model):
    factored = low_rank(model, rank=2)
    r = report(factored)
    biases = sum(b.size for b in model.intercepts_)
    stored = 2 * (4 + 16) + 2 * (16 + 12) + 2 * (12 + 3)
    assert r.parameters == stored + biases and r.mult_adds == stored
    # Quantized factors: the same counts, fewer bytes.
    small = report(quantize(factored, 8))
    assert (small.parameters, small.mult_adds) == (r.parameters, r.mult_adds)
    assert small.nbytes < r.nbytes
    ratios = small.ratios(r)
    assert ratios["parameters"] == 1.0
    assert ratios["nbytes"] == small.nbytes / r.nbytes
    assert set(ratios) == {
        "parameters",
        "nonzero",
        "nbytes",
        "pickled_bytes",
        "mult_adds",
    }
