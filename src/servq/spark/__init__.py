"""servq on Apache Spark (the ``servq[spark]`` extra): :func:`analyze` runs the analysis
engine in Spark's executors and merges their sums on the driver (docs/scale.md)."""

from .engine import analyze
from .reading import read, session

__all__ = ["analyze", "read", "session"]
