"""The training state a fitted estimator keeps, under public names.

A fitted :class:`~skmlp.MLPClassifier` or :class:`~skmlp.MLPRegressor`
keeps, besides its ``name_`` attributes, what ``partial_fit`` (and
``warm_start``) continue from: the epoch bookkeeping (:class:`Progress`),
the optimizer with its running state and learning-rate schedule
(:class:`OptimizerRun`, :class:`ScheduleRun`) and, with ``class_weight``,
the class weight table (:class:`ClassWeights`).  These classes are
internal (their attributes may change between releases); they are named
here so that a saved model records only public names: ``skmlp.state.*`` in
a pickle, and in the list of types :func:`skops.io.load` must trust
(:data:`skmlp.SKOPS_TRUSTED`).

Examples
--------
>>> import numpy as np
>>> from skmlp import MLPClassifier
>>> from skmlp.state import OptimizerRun, Progress
>>> X = np.array([[0.0, 1.0], [1.0, 0.0], [1.0, 1.0], [0.0, 0.0]])
>>> model = MLPClassifier((3,), max_iter=5, random_state=0).fit(X, [0, 1, 1, 0])
>>> isinstance(model._progress, Progress), isinstance(model._run, OptimizerRun)
(True, True)
>>> type(model._progress).__module__
'skmlp.state'
"""

from skmlp._class_weight import ClassWeights
from skmlp._training import OptimizerRun, Progress, ScheduleRun

__all__ = ["ClassWeights", "OptimizerRun", "Progress", "ScheduleRun"]
