"""pytest collects docs/ for the Markdown pages' doctests; the Sphinx
configuration and the build's output (the gallery's copies of the examples,
which would run on import) are not tests."""

collect_ignore = ["conf.py", "_scrapers.py"]
collect_ignore_glob = ["_build/*", "auto_examples/*", "api/generated/*"]
