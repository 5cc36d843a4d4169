"""The ``servq`` command line (:mod:`.app` registers every command group)."""

from .app import app, main

__all__ = ["app", "main"]
