"""Smaller models from fitted ones: pruning, quantization, low rank, shared
weights, distillation, and a report of what a model costs.

Every function takes a fitted :class:`~skmlp.MLPClassifier` or
:class:`~skmlp.MLPRegressor`, leaves it untouched, and returns a new fitted
estimator of the same class, with the same parameters (but
``hidden_layer_sizes`` when units are removed): it predicts, scores, pickles
and sits in a :class:`~sklearn.pipeline.Pipeline` like the original.  Its
``coefs_`` hold the compressed layers (:mod:`skmlp.weights`), from which
predictions are computed; the methods compose, each taking the others'
results:

>>> from sklearn.datasets import load_digits
>>> from skmlp import MLPClassifier
>>> from skmlp.compression import prune, quantize, report, share_weights
>>> X, y = load_digits(return_X_y=True)
>>> X = X / 16
>>> model = MLPClassifier((64,), max_iter=50, random_state=0).fit(X, y)
>>> small = quantize(share_weights(prune(model, 0.8, X=X, y=y), 16), bits=8)
>>> report(small).pickled_bytes < report(model).pickled_bytes / 8
True
>>> bool(small.score(X, y) > 0.95)
True

Training a compressed model further (``warm_start=True``, ``partial_fit``)
trains its decoded weights in floating point, keeping pruned weights at
exactly zero; its layers are then dense arrays again, with the optimizer's
state beside them.  ``prune(model, 0.0)`` stores a pruned model's zeros
sparse again (nothing else changes); quantize or share its weights again
afterwards.  A distilled student is an ordinary fit and keeps its
optimizer's state (``partial_fit`` continues it); compress it to drop it.

The measured trade-offs on digits are in ``docs/compression.md``
(``python benchmarks/bench_compression.py``).
"""

from skmlp.compression._distillation import distill
from skmlp.compression._encoding import low_rank, quantize, share_weights
from skmlp.compression._pruning import prune
from skmlp.compression._recipe import Compressed
from skmlp.compression._report import SizeReport, report

__all__ = [
    "Compressed",
    "SizeReport",
    "distill",
    "low_rank",
    "prune",
    "quantize",
    "report",
    "share_weights",
]
