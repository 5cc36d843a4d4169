"""Confirmatory factor analysis and structural equation models as R lavaan (ML, MLR, FIML).

Modules: :mod:`.syntax` (lavaan model syntax), :mod:`.model` (parameter table, RAM
matrices), :mod:`.options` (``estimator``, ``missing``), :mod:`.estimate` (ML fit from
covariance matrices or missing-data patterns), :mod:`.missing` (FIML: patterns, EM),
:mod:`.robust` (observed information, Huber–White, Yuan–Bentler), :mod:`.fit` (fit measures),
:mod:`.standardize`, :mod:`.modindices`, :mod:`.results`, :mod:`.invariance` (multi-group).
Ordered items (WLSMV, DWLS, ULSMV, ULS): :mod:`.dwls` (the DWLS engine: SEs, scaled-shifted
χ², fit measures, standardisation, :class:`OrdinalSemResults`), :mod:`.wls_mixed` (sample
statistics of ordered and continuous items, the one-group fit), :mod:`.wls` (all items
ordered, from data or summed tables), :mod:`.wls_groups` (several groups, threshold invariance).
"""

from .core import cfa, sem
from .invariance import InvarianceResults, invariance
from .model import SemSpecificationError, SemWarning
from .results import SemResults
from .syntax import ModelSyntaxError, parse
from .wls import OrdinalSemResults

__all__ = ["cfa", "sem", "invariance", "SemResults", "OrdinalSemResults", "InvarianceResults", "SemWarning",
           "SemSpecificationError", "ModelSyntaxError", "parse"]
