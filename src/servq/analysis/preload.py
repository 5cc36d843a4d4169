"""Import, on a thread of its own, modules that a later step will need, while this one works.

Reading a large file takes seconds during which a core is often idle; the instrument-quality
checks then import pandas' and SciPy's optimisers and the SEM engine (a third of a second or
more) before they can start. Importing them meanwhile takes that out of the wall time. A
module that fails to import here is imported again where it is needed, and its error is
raised there.
"""

from __future__ import annotations

import importlib
import sys
import threading


def preload(*modules: str) -> None:
    """Start importing ``modules`` (dotted names) in the background; those imported already
    are skipped, and with none left no thread is started.

    The thread is not a daemon: the interpreter waits for it at exit rather than stopping it
    half-way through an import.

    Examples
    --------
    >>> preload("json", "servq.analysis")  # imported already: nothing to do
    """
    wanted = [name for name in modules if name not in sys.modules]
    if wanted:
        threading.Thread(target=_import, args=(wanted,), name="servq-preload").start()


def _import(modules: list[str]) -> None:
    for name in modules:
        try:
            importlib.import_module(name)
        except Exception:  # noqa: BLE001 - raised again, with its message, where the module is needed
            continue
