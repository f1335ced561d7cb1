"""Hypothesis properties of skmlp.compression (issue 14, point 4).

Each draws weight matrices (or seeds) and checks a written rule: pruning
only adds zeros and reaches the asked sparsity; quantization is off by at
most half a step; a full-rank factorization and a codebook with a value per
distinct weight predict what the original does; a distilled copy of the
teacher's architecture reaches the teacher's accuracy.
"""

import copy
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from sklearn.datasets import load_iris
from sklearn.preprocessing import scale

from skmlp import MLPClassifier
from skmlp.compression import distill, low_rank, prune, quantize, share_weights
from skmlp.weights import QuantizedValues, pack_codes, unpack_codes

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

X, Y = load_iris(return_X_y=True)
X = scale(X)
SHAPES = [(4, 6), (6, 5), (5, 3)]
with warnings.catch_warnings():
    # Any fitted network will do: its weights are replaced by drawn ones.
    warnings.simplefilter("ignore")
    BASE = MLPClassifier((6, 5), max_iter=50, random_state=0).fit(X, Y)


def _with_weights(layers):
    """The fitted BASE with these weight matrices (float64)."""
    model = copy.deepcopy(BASE)
    for W, new in zip(model.coefs_, layers):
        W[...] = new
    return model


weights = st.tuples(
    *(
        hnp.arrays(
            np.float64,
            shape,
            elements=st.one_of(st.just(0.0), st.floats(-4, 4, allow_subnormal=False)),
        )
        for shape in SHAPES
    )
)


@given(weights, st.floats(0, 0.99), st.booleans())
def test_pruning_only_adds_zeros_and_reaches_the_sparsity(layers, sparsity, per_layer):
    model = _with_weights(layers)
    pruned = prune(model, sparsity, per_layer=per_layer)
    before = [np.asarray(W) for W in model.coefs_]
    after = [np.asarray(W) for W in pruned.coefs_]
    for W, P in zip(before, after):
        assert np.all(P[W == 0] == 0)
        assert np.array_equal(P[P != 0], W[P != 0])
        if per_layer:
            assert np.mean(P == 0) >= sparsity
    flat = np.concatenate([P.ravel() for P in after])
    assert np.mean(flat == 0) >= sparsity


@given(
    hnp.arrays(np.float32, st.integers(1, 60), elements=st.floats(-100, 100, width=32)),
    st.sampled_from([4, 8]),
    st.integers(1, 5),
    st.data(),
)
def test_quantization_is_off_by_at_most_half_a_step(values, bits, n_groups, data):
    groups = data.draw(
        hnp.arrays(np.intp, values.shape, elements=st.integers(0, n_groups - 1))
    )
    q = QuantizedValues.quantize(values, bits, groups, n_groups)
    step = q.scales[groups].astype(np.float64)
    error = np.abs(values.astype(np.float64) - q.decode(groups))
    # Half a step, plus the rounding of q * s to float32.
    assert np.all(error <= step / 2 + np.spacing(np.abs(values)))
    assert np.all(np.abs(q.integers()) <= 2 ** (bits - 1) - 1)
    assert np.all(q.decode(groups)[values == 0] == 0)


@given(weights, st.sampled_from([4, 8]))
def test_quantized_model_weights_are_within_half_a_step(layers, bits):
    small = quantize(_with_weights(layers), bits)
    for W, original in zip(small.coefs_, layers):
        step = np.abs(original).max(axis=0) / (2 ** (bits - 1) - 1)
        assert np.all(np.abs(np.asarray(W) - original) <= step / 2 * (1 + 1e-12))


@given(weights)
def test_full_rank_reproduces_the_predictions(layers):
    model = _with_weights(layers)
    full = low_rank(model, rank=[min(s) for s in SHAPES])
    for W, original in zip(full.coefs_, layers):
        np.testing.assert_allclose(
            np.asarray(W), original, atol=1e-12 * (1 + np.abs(original).max())
        )
    np.testing.assert_array_equal(full.predict(X), model.predict(X))


@given(
    st.lists(
        st.floats(-3, 3, allow_subnormal=False), min_size=1, max_size=8, unique=True
    ),
    st.integers(0, 2**16),
)
def test_a_codebook_with_every_distinct_weight_is_exact(values, seed):
    rng = np.random.default_rng(seed)
    layers = [rng.choice(values, size=shape) for shape in SHAPES]
    model = _with_weights(layers)
    shared = share_weights(model, n_values=max(2, len(values)), random_state=seed)
    assert np.array_equal(shared.predict_proba(X), model.predict_proba(X))


@settings(max_examples=5, deadline=None)
@given(st.integers(0, 1000))
def test_a_distilled_copy_reaches_the_teachers_accuracy(seed):
    """Fit long enough (alpha=0, tol=0: every one of max_iter epochs), a
    copy of the teacher's architecture brings its probabilities close to
    the teacher's, so it predicts the teacher's class wherever the teacher's
    margin is more than twice that distance: its accuracy reaches the
    teacher's but for rows the teacher itself barely decides."""
    params = dict(max_iter=3000, learning_rate_init=0.01, alpha=0)
    teacher = MLPClassifier((8,), random_state=seed, **params).fit(X, Y)
    student = MLPClassifier((8,), random_state=seed + 1, tol=0, **params)
    fitted = distill(teacher, student, X, temperature=1.0)
    P, Q = teacher.predict_proba(X), fitted.predict_proba(X)
    distance = np.abs(P - Q).max()
    assert distance < 0.15
    top_two = np.sort(P, axis=1)[:, -2:]
    undecided = np.mean(top_two[:, 1] - top_two[:, 0] <= 2 * distance)
    assert fitted.score(X, Y) >= teacher.score(X, Y) - undecided


@given(st.sampled_from([1, 2, 4, 8, 16]), st.data())
def test_packed_codes_unpack_to_themselves(bits, data):
    codes = data.draw(
        hnp.arrays(np.int64, st.integers(0, 50), elements=st.integers(0, 2**bits - 1))
    )
    packed = pack_codes(codes, bits)
    assert packed.nbytes == -(-codes.size * bits // 8)
    assert np.array_equal(unpack_codes(packed, bits, codes.size), codes)
