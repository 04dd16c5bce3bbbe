"""The package's version (``evidence.__version__``), in a module of its own: the build records it, and
the package's root (the public API, above every layer) is not imported for it."""

__version__ = "0.1.0"
