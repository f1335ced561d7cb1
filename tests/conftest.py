"""Shared test configuration: Hypothesis profiles, SciPy's array API switch.

``ci`` (the default) keeps property tests bounded and free of timing flakes;
``thorough`` runs many more examples by hand:
``HYPOTHESIS_PROFILE=thorough python -m pytest``.
"""

import os

# scikit-learn's check_array_api_input runs only with SciPy's array API
# support on, which SciPy reads when it is first imported (before any test
# module imports it).
os.environ.setdefault("SCIPY_ARRAY_API", "1")

from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci",
    deadline=None,
    max_examples=40,
    suppress_health_check=[HealthCheck.too_slow],
    derandomize=True,
)
settings.register_profile(
    "thorough",
    deadline=None,
    max_examples=1000,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
