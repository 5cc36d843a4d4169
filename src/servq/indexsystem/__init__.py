"""Evaluation index systems (评价指标体系): a hierarchy of criteria and indicators,
weighted directly or by AHP, evaluated by fuzzy comprehensive evaluation.

``servq.index(data, system)`` is the entry point; systems are YAML files (see
``catalog/`` and docs/index-systems.md).
"""

from .evaluate import IndexResult, SegmentIndex, index
from .loader import IndexSystemError, builtin_systems, load_system, parse_system
from .schema import System

__all__ = ["IndexResult", "IndexSystemError", "SegmentIndex", "System", "builtin_systems",
           "index", "load_system", "parse_system"]
