"""Collecting the doctests of servq's modules (``--doctest-modules``): every package of servq
is imported first.

pytest's importlib mode imports a module it collects that is not yet imported on its own and
binds it on its package, in place of what the package exports under the same name — the
function ``servq.stats.sem.invariance`` became the module ``servq/stats/sem/invariance.py``
when that file's doctests were collected before any test had imported the package (as
``servq.analysis.analyze``, ``servq.text.tokens``, ... would). Imported by their packages,
the modules are found in ``sys.modules`` and left as they are.
"""

import importlib
import pkgutil

import servq

for _package in pkgutil.walk_packages(servq.__path__, "servq."):
    if _package.ispkg:
        try:
            importlib.import_module(_package.name)
        except ImportError:  # an extra that is not installed: its doctests are skipped all the same
            pass
