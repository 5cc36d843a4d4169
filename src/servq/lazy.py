"""Names of a package imported on first use, so that ``import servq`` (and the CLI's
``--help``) stays fast."""

from __future__ import annotations

from importlib import import_module


def exports(package: str, names: dict[str, str]):
    """``__getattr__`` and ``__dir__`` for ``package`` whose public ``names`` live in the
    given modules; a name, once imported, is kept in the package's namespace."""
    import sys

    def __getattr__(name: str):
        if name in names:
            value = getattr(import_module(names[name]), name)
            setattr(sys.modules[package], name, value)
            return value
        raise AttributeError(f"module '{package}' has no attribute {name!r}")

    def __dir__():
        return sorted(set(vars(sys.modules[package])) | set(names))

    return __getattr__, __dir__
