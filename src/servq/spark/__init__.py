"""servq on Apache Spark (the ``servq[spark]`` extra): :func:`analyze` (and :func:`scorecard`)
runs the analysis engine in Spark's executors and merges their sums on the driver;
:func:`servq.spark.complaints.count` counts a complaints register there (docs/scale.md)."""

from .engine import analyze, scorecard
from .reading import read, session

__all__ = ["analyze", "read", "scorecard", "session"]
