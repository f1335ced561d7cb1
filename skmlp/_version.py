"""The package version, in one place: ``skmlp.__version__`` and the docs
links read it."""

__version__ = "0.1.0"
