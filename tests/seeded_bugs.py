"""Seed each deliberate bug of tests/README.md and check its tests catch it.

Not a test module (pytest does not collect it): run it after changing the
numeric core or a test that guards it, about 10 minutes on two cores::

    python tests/seeded_bugs.py            # every bug
    python tests/seeded_bugs.py adam_no_bias l2_value_at_alpha
    python tests/seeded_bugs.py --core     # all core test files each time

Each bug is a one-line edit of skmlp's source.  The script copies the
package and the tests into a temporary directory, makes the edit there (the
checkout is never touched), runs the tests listed for the bug and reports
which failed (``--core``: all of :data:`CORE` instead, for the table in
tests/README.md, about 15 minutes).  It exits with 1 when a listed test
passes: that bug would slip through.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OPT, PEN, GRAD, API, FID = (
    f"tests/test_{name}.py::"
    for name in ("optimizers", "penalties", "gradients", "api", "fidelity")
)
FIT = FID + "test_fit_matches_sklearn"
ETA = "return learning_rate * math.sqrt(1 - self.beta_2**t) / (1 - self.beta_1**t)"
SW = "    if sample_weight is not None:\n        out *= sample_weight.reshape(-1, 1)"
OBJECTIVE = (
    "        return Objective("
    "layout, self.activation, self._loss_name(), penalty, kept)"
)
COMP = "tests/test_compression.py::"
PROPS = "tests/test_compression_properties.py::"
DIST = "tests/test_distributed.py::"
KEPT = "            theta[:n_coef] *= objective.kept"
STEPS = [OPT + "test_steps_follow_the_written_rule"]
ONE_STEP = [OPT + "test_one_step_from_a_given_state_follows_the_written_rule"]
L1_REST = [PEN + "test_every_optimizer_comes_to_rest_at_the_l1_minimum"]
TRAINING = GRAD + "test_training_reports_the_objective_and_steps_along_its_gradient"
SW_GRAD = [
    GRAD + "test_gradient_matches_central_differences",
    GRAD + "test_subgradient_flag_only_drops_the_l1_term",
]


def _raising(activation):
    return (
        "_base",
        OBJECTIVE,
        f'        if self.activation == "{activation}":\n'
        f'            raise ValueError("seeded")\n{OBJECTIVE}',
    )


#: name -> (module, old text, new text, tests that must fail)
BUGS = {
    "adam_no_bias": (
        "optimizers",
        ETA,
        "return learning_rate",
        [*STEPS, *ONE_STEP, FIT],
    ),
    "adam_no_first_moment_correction": (
        "optimizers",
        ETA,
        "return learning_rate * math.sqrt(1 - self.beta_2**t)",
        [*STEPS, *ONE_STEP, FIT],
    ),
    "adam_no_second_moment_correction": (
        "optimizers",
        ETA,
        "return learning_rate / (1 - self.beta_1**t)",
        [*STEPS, *ONE_STEP, FIT],
    ),
    "rmsprop_epsilon_outside_the_root": (
        "optimizers",
        "    def _accumulate(self, G, squared):\n        _ema(G, squared, self.rho)\n",
        "    def _accumulate(self, G, squared):\n        _ema(G, squared, self.rho)\n\n"
        "    def _root(self, G):\n        return np.sqrt(G) + self.epsilon\n",
        [
            *STEPS,
            *ONE_STEP,
            PEN + "test_proximal_threshold_scales_with_the_optimizers_step",
        ],
    ),
    "momentum_without_one_minus_beta": (
        "optimizers",
        "        _ema(state.v, grads, self.beta)",
        "        state.v.__imul__(self.beta)\n        state.v.__iadd__(grads)",
        [*STEPS, *ONE_STEP, *L1_REST],
    ),
    "sgd_rate_in_float32": (
        "optimizers",
        "        (v,) = state\n        mu = self.momentum",
        "        learning_rate = float(np.float32(learning_rate))\n"
        "        (v,) = state\n        mu = self.momentum",
        [*STEPS, *ONE_STEP, TRAINING, FIT],
    ),
    "l2_value_at_alpha": (
        "penalties",
        "(0.5 * self.l2)",
        "self.l2",
        [
            PEN + "test_l2_value_is_scikit_learns_to_the_bit",
            GRAD + "test_value_is_the_documented_objective",
            FIT,
        ],
    ),
    "l2_gradient_doubled": (
        "penalties",
        "g += self.l2 * w",
        "g += 2 * self.l2 * w",
        [*SW_GRAD, OPT + "test_fused_step_equals_finish_then_step", FIT],
    ),
    "relu_derivative_flipped": (
        "_activations",
        "    np.greater(A, 0, out=out)",
        "    np.less_equal(A, 0, out=out)",
        [*SW_GRAD, FID + "test_activations", FIT],
    ),
    "relu_derivative_on_the_negative_side": (
        "_activations",
        "    np.greater(A, 0, out=out)",
        "    np.less(A, 0, out=out)",
        [*SW_GRAD, FID + "test_activations", FIT],
    ),
    "soft_threshold_doubled": (
        "penalties",
        "    out -= threshold",
        "    out -= 2 * threshold",
        [
            PEN + "test_soft_threshold_is_the_prox_of_l1",
            PEN + "test_gd_step_is_the_proximal_gradient_step",
            *L1_REST,
        ],
    ),
    "l1_proximal_threshold_doubled": (
        "penalties",
        "threshold = step * (self.l1 / weight_sum)",
        "threshold = 2 * step * (self.l1 / weight_sum)",
        [PEN + "test_gd_step_is_the_proximal_gradient_step", *L1_REST],
    ),
    **{
        f"l1_step_size_doubled_{rule}": (
            "optimizers",
            f"return {size}",
            f"return 2 * {size}",
            [*ONE_STEP, *L1_REST],
        )
        for rule, size in [
            ("adagrad", "learning_rate / optimizer._root(state[0])"),
            ("adam", "optimizer._eta_t(learning_rate, t) / optimizer._root(v)"),
            ("sgd", "learning_rate / (1 - optimizer.momentum)"),
            # the fallback: the only "return learning_rate" at a line's end
            ("other", "learning_rate\n"),
        ]
    },
    **{
        f"last_minibatch_dropped_{when}": (
            "_training",
            "for start in range(0, n, batch_size):",
            f"for start in range(0, {stop}, batch_size):",
            [
                PEN + "test_minibatch_penalty_is_scaled_by_each_batch",
                FID + "test_shuffle_false",
                FIT,
            ],
        )
        for when, stop in [
            ("when_partial", "n - batch_size + 1"),
            ("always", "max(n - batch_size, 1)"),
        ]
    },
    **{
        f"sample_weight_ignored_by_{loss}": (
            "_network",
            SW,
            SW.replace("is not None:", f'is not None and objective.loss != "{loss}":'),
            [*SW_GRAD, FIT],
        )
        for loss in ("squared_error", "log_loss", "binary_log_loss", "poisson")
    },
    "unstratified_early_stopping_split": (
        "_base",
        "        if self._stratify_split(Y):",
        "        if False:",
        [
            API + "test_early_stopping_split_is_stratified",
            FID + "test_multiclass_early_stopping_split_is_stratified",
            FIT,
        ],
    ),
    "quantize_one_level_too_many": (
        "weights",
        "        top = 2 ** (bits - 1) - 1\n        groups",
        "        top = 2 ** (bits - 1)\n        groups",
        [
            COMP + "test_quantized_weights_are_stored_integers_times_unit_scales",
            PROPS + "test_quantization_is_off_by_at_most_half_a_step",
        ],
    ),
    "prune_falls_short_of_the_sparsity": (
        "compression/_pruning",
        "    n_zero = _n_reaching(sparsity, n)",
        "    n_zero = int(sparsity * n) - 1",
        [
            COMP + "test_global_pruning_zeroes_the_smallest_weights",
            PROPS + "test_pruning_only_adds_zeros_and_reaches_the_sparsity",
        ],
    ),
    "pruned_weights_move_in_stochastic_training": (
        "_training",
        KEPT,
        "            pass",
        [
            COMP + "test_a_warm_start_from_pruned_layers_keeps_their_zeros",
            COMP + "test_continued_training_keeps_structural_zeros",
        ],
    ),
    "pruned_weights_move_in_lbfgs": (
        "_lbfgs",
        "    return [free if k else (0, 0) for k in kept]",
        "    return [free for k in kept]",
        [COMP + "test_a_warm_start_from_pruned_layers_keeps_their_zeros"],
    ),
    "low_rank_without_singular_values": (
        "compression/_encoding",
        "    left = (U[:, :r] * s[:r]).astype(W.dtype)",
        "    left = U[:, :r].astype(W.dtype)",
        [
            COMP + "test_low_rank_is_the_truncated_svd",
            PROPS + "test_full_rank_reproduces_the_predictions",
        ],
    ),
    "distilled_output_layer_not_rescaled": (
        "compression/_distillation",
        "    student.coefs_[-1] *= temperature",
        "    student.coefs_[-1] *= 1.0",
        [COMP + "test_temperature_sets_the_targets_and_the_output_scale"],
    ),
    "removed_units_not_folded_into_the_next_bias": (
        "compression/_pruning",
        "            intercepts[layer + 1] + (folded * ~keep) @ coefs[layer + 1]",
        "            intercepts[layer + 1] + (folded * 0) @ coefs[layer + 1]",
        [
            COMP + "test_structured_pruning_drops_dead_units_exactly",
            COMP
            + "test_structured_pruning_removes_the_units_the_group_penalty_dropped",
        ],
    ),
    "two_bit_codes_packed_as_four": (
        "weights",
        "        return next(b for b in (1, 2, 4, 8, 16) if n_values <= 2**b)",
        "        return next(b for b in (4, 8, 16) if n_values <= 2**b)",
        [COMP + "test_shared_weights_use_at_most_n_values_per_layer"],
    ),
    "pickle_loses_the_views": (
        "_params",
        "            self.coefs_, self.intercepts_ = list(coefs), list(intercepts)\n"
        "        if best_is_theta",
        "            self.coefs_, self.intercepts_ = [c.copy() for c in coefs], "
        "list(intercepts)\n        if best_is_theta",
        [COMP + "test_a_pickle_holds_each_weight_once"],
    ),
    "chunk_tasks_not_pinned": (
        "_distributed",
        "                    workers=where,",
        "                    workers=None,",
        [DIST + "test_chunks_stay_on_their_workers"],
    ),
    "chunk_losses_not_weighted": (
        "_distributed",
        "            value += chunk_value * chunk_weight",
        "            value += chunk_value",
        [
            DIST + "test_classifier_equals_single_machine",
            DIST + "test_regressor_with_weights_and_penalties",
        ],
    ),
    **{
        f"every_{activation}_fit_raises": (
            *_raising(activation),
            [FID + "test_activations", TRAINING],
        )
        for activation in ("identity", "logistic", "tanh", "relu")
    },
}


def seed(copy: Path, module: str, old: str, new: str) -> None:
    """Make the one edit in the copy; the old text must occur exactly once."""
    path = copy / "skmlp" / f"{module}.py"
    source = path.read_text()
    if source.count(old) != 1:
        raise SystemExit(
            f"{module}.py: the text to edit occurs {source.count(old)} times: {old!r}"
        )
    path.write_text(source.replace(old, new))


#: The core test files, which ``--core`` runs for every bug.
CORE = [
    f"tests/test_{name}.py"
    for name in (
        "gradients",
        "optimizers",
        "penalties",
        "losses",
        "activations",
        "validation",
        "fidelity",
        "api",
    )
]


def failing_tests(report: Path) -> list[str]:
    """Test functions that failed or errored, once per parametrization."""
    failed = []
    for case in ET.parse(report).getroot().iter("testcase"):
        if any(child.tag in ("failure", "error") for child in case):
            module = case.get("classname").replace(".", "/") + ".py"
            failed.append(f"{module}::{case.get('name').split('[')[0]}")
    return failed


def copy_and_run(
    work: Path, name: str, edit: tuple | None, tests: list[str]
) -> list[str]:
    """Copy the checkout (seeded with ``edit``), run ``tests`` there; the
    test functions that failed."""
    copy = work / name
    shutil.copytree(ROOT / "skmlp", copy / "skmlp")
    shutil.copytree(ROOT / "tests", copy / "tests")
    shutil.copy(ROOT / "pyproject.toml", copy)
    if edit is not None:
        seed(copy, *edit)
    # Run from the copy: ``python -m`` puts the working directory first on
    # sys.path, so the seeded package is the one imported.
    where = subprocess.run(
        [sys.executable, "-c", "import skmlp; print(skmlp.__file__)"],
        cwd=copy,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    if not Path(where).resolve().is_relative_to(copy.resolve()):
        raise SystemExit(f"the copy is not what Python imports: {where}")
    report = copy / "report.xml"
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"]
    subprocess.run(
        [*command, f"--junitxml={report}", *sorted(set(tests))],
        cwd=copy,
        capture_output=True,
    )
    return failing_tests(report)


def run(name: str, work: Path, core: bool) -> list[str]:
    """Seed one bug; the listed tests it slipped past."""
    module, old, new, tests = BUGS[name]
    failed = copy_and_run(work, name, (module, old, new), CORE if core else tests)
    functions = sorted(set(failed))
    print(
        f"{name}: {len(failed)} tests in {len(functions)} functions failed: "
        + ", ".join(functions),
        flush=True,
    )
    return [test for test in tests if test not in functions]


def main(argv: list[str]) -> int:
    core = "--core" in argv
    names = [name for name in argv if name != "--core"]
    missed = {}
    with tempfile.TemporaryDirectory() as work:
        # Unseeded, every test passes: a failure below is the bug's.
        listed = {test for *_, tests in BUGS.values() for test in tests}
        failed = copy_and_run(Path(work), "unseeded", None, CORE if core else listed)
        if failed:
            raise SystemExit(f"tests fail without a seeded bug: {sorted(failed)}")
        for name in names or BUGS:
            slipped = run(name, Path(work), core)
            if slipped:
                missed[name] = slipped
    for name, slipped in missed.items():
        print(f"NOT CAUGHT: {name} passed {', '.join(slipped)}")
    total = len(names or BUGS)
    print(f"{total - len(missed)} of {total} seeded bugs caught by every listed test")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
