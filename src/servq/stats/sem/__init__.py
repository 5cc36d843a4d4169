"""Confirmatory factor analysis and structural equation models as R lavaan (ML, MLR, FIML).

Modules: :mod:`.syntax` (lavaan model syntax), :mod:`.model` (parameter table, RAM
matrices), :mod:`.options` (``estimator``, ``missing``), :mod:`.estimate` (ML fit from
covariance matrices or missing-data patterns), :mod:`.missing` (FIML: patterns, EM),
:mod:`.robust` (observed information, Huber–White, Yuan–Bentler), :mod:`.fit` (fit measures),
:mod:`.standardize`, :mod:`.modindices`, :mod:`.results`, :mod:`.invariance` (multi-group).
"""

from .core import cfa, sem
from .invariance import InvarianceResults, invariance
from .model import SemSpecificationError, SemWarning
from .results import SemResults
from .syntax import ModelSyntaxError, parse
from .wls import OrdinalSemResults

__all__ = ["cfa", "sem", "invariance", "SemResults", "OrdinalSemResults", "InvarianceResults", "SemWarning",
           "SemSpecificationError", "ModelSyntaxError", "parse"]
