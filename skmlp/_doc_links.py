"""Links from the notebook (HTML) repr of skmlp's estimators to their docs.

scikit-learn's estimator diagram shows a "?" badge linking to the class's API
page and links each parameter name to its entry there; it builds them from
three class attributes that :class:`DocLinkMixin` sets for skmlp.  The API
pages follow Sphinx's autosummary layout, one page per public name:
``<DOCS_URL><version>/api/generated/skmlp.MLPClassifier.html``.
"""

from __future__ import annotations

import itertools

from skmlp._version import __version__

#: The root of skmlp's documentation site, the one place its address is kept.
DOCS_URL = "https://skmlp.readthedocs.io/en/"

#: An estimator's API page, filled in by DocLinkMixin.
DOC_LINK_TEMPLATE = (
    DOCS_URL + "{version}/api/generated/{estimator_module}.{estimator_name}.html"
)


def docs_version(version):
    """The docs' version folder: ``version`` itself, or ``latest`` for a
    development version (Read the Docs' names for a tag and for the
    default branch).

    Examples
    --------
    >>> docs_version("0.1.0"), docs_version("0.2.0.dev0")
    ('0.1.0', 'latest')
    """
    return "latest" if "dev" in version else version


class DocLinkMixin:
    """Point scikit-learn's HTML repr at skmlp's API pages (before BaseEstimator).

    The module in the link is the public one the class is exported from: the
    class's module up to its first private part (``skmlp._mlp`` gives
    ``skmlp``), as in scikit-learn.
    """

    _doc_link_module = "skmlp"
    _doc_link_template = DOC_LINK_TEMPLATE

    def _doc_link_url_param_generator(self):
        module = itertools.takewhile(
            lambda part: not part.startswith("_"), type(self).__module__.split(".")
        )
        return {
            "version": docs_version(__version__),
            "estimator_module": ".".join(module),
            "estimator_name": type(self).__name__,
        }
