"""The notebook repr links skmlp's estimators to their API pages."""

import html
import re

import pytest
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skmlp import MLPClassifier, MLPRegressor, __version__
from skmlp._doc_links import DOCS_URL, docs_version
from skmlp.compression import Compressed

PAGE = DOCS_URL + f"{__version__}/api/generated/{{}}.html"


def _links(estimator):
    return [html.unescape(h) for h in re.findall(r'href="([^"]+)"', _html(estimator))]


def _html(estimator):
    return estimator._repr_html_()


@pytest.mark.parametrize(
    "estimator, name",
    [
        (MLPClassifier(alpha=0.1), "skmlp.MLPClassifier"),
        (MLPRegressor(loss="poisson"), "skmlp.MLPRegressor"),
        (Compressed(MLPClassifier(), recipe=None), "skmlp.compression.Compressed"),
    ],
)
def test_question_mark_badge_links_the_api_page(estimator, name):
    page = PAGE.format(name)
    assert estimator._get_doc_link() == page
    badge = f'href="{page}">?<span>Documentation for {type(estimator).__name__}'
    assert badge in _html(estimator)


def test_parameters_link_their_docstring_entries():
    page = PAGE.format("skmlp.MLPClassifier")
    links = _links(MLPClassifier(alpha=0.1, solver="sgd"))
    # A text fragment on "name,-type line" picks the entry on the API page.
    for param in ("alpha", "solver", "hidden_layer_sizes", "early_stopping"):
        assert any(link.startswith(f"{page}#:~:text={param},-") for link in links)
    assert f"{page}#:~:text=alpha,-float%2C%20default%3D0.0001" in links


def test_nested_estimators_link_their_own_pages():
    links = _links(make_pipeline(StandardScaler(), MLPRegressor()))
    assert PAGE.format("skmlp.MLPRegressor") in links
    # scikit-learn's own steps still point at scikit-learn's site.
    sklearn_pages = [link for link in links if "scikit-learn.org" in link]
    assert any("StandardScaler" in link for link in sklearn_pages)


def test_docs_version_names_a_tag_or_latest():
    assert docs_version("1.2.3") == "1.2.3"
    assert docs_version("1.3.0.dev0") == "latest"
    assert DOCS_URL.startswith("https://") and DOCS_URL.endswith("/")
