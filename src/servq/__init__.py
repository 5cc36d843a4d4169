"""servq: measure and improve customer-perceived service quality.

The public API::

    servq.analyze(data, instrument, by=...)   -> Results
    servq.AnalysisOptions(...)                 every option of an analysis, validated once
    servq.analysis: the streaming core (plan_for, accumulate, merge, finish; Sums)
    servq.load_instrument("servqual")          -> Instrument
    servq.list_instruments()                   -> [Instrument, ...]
    servq.simulate("servqual", n, seed=...)   -> pyarrow.Table
    servq.write_report(results, html=..., json=...)

    Instrument validation (as R psych / lavaan): servq.reliability, servq.omega,
    servq.efa, servq.kmo, servq.bartlett, servq.parallel_analysis, servq.cfa, servq.sem,
    servq.invariance, servq.validity, servq.htmt, servq.htmt2.

    Service focus: servq.drivers, servq.welch_anova, servq.games_howell, servq.pairwise_welch,
    servq.two_proportions, servq.nps_difference, servq.ahp, servq.fuzzy_evaluate, servq.fuzzy_hierarchy, servq.kano_classify.

    Evaluation index systems (AHP weights, fuzzy comprehensive evaluation): servq.index,
    servq.load_system.

    Complaints: servq.complaints_block (volume, hot spots, handling, SLA, backlog, repeat
    complainants, rates, operational metrics), servq.poisson_spikes, servq.share_spikes,
    servq.ewma_counts,
    servq.lagged_correlation; their text: servq.text.classify, servq.text.train.

Names are imported on first use, so ``import servq`` (and the CLI's ``--help``) stays fast.
"""

from importlib import import_module

__version__ = "0.1.0"

_EXPORTS = {
    "AnalysisOptions": "servq.analysis",
    "Results": "servq.analysis",
    "load_instrument": "servq.instruments",
    "list_instruments": "servq.instruments",
    "Instrument": "servq.instruments",
    "simulate": "servq.io.simulation",
    "write_report": "servq.report",
    "render_html": "servq.report",
    "reliability": "servq.stats.reliability",
    "efa": "servq.stats.efa",
    "kmo": "servq.stats.efa",
    "bartlett": "servq.stats.efa",
    "parallel_analysis": "servq.stats.efa",
    "omega": "servq.stats.omega",
    "cfa": "servq.stats.sem",
    "sem": "servq.stats.sem",
    "invariance": "servq.stats.sem",
    "validity": "servq.stats.validity",
    "htmt": "servq.stats.validity",
    "htmt2": "servq.stats.validity",
    "drivers": "servq.stats.drivers",
    "welch_anova": "servq.stats.comparisons",
    "games_howell": "servq.stats.comparisons",
    "pairwise_welch": "servq.stats.comparisons",
    "two_proportions": "servq.stats.comparisons",
    "nps_difference": "servq.stats.comparisons",
    "ahp": "servq.stats.ahp",
    "fuzzy_evaluate": "servq.stats.fuzzy",
    "fuzzy_hierarchy": "servq.stats.fuzzy",
    "kano_classify": "servq.stats.kano",
    "index": "servq.indexsystem",
    "IndexResult": "servq.indexsystem",
    "load_system": "servq.indexsystem",
    "complaints_block": "servq.complaints.analytics",
    "poisson_spikes": "servq.stats.spikes",
    "ewma_counts": "servq.stats.spikes",
    "share_spikes": "servq.stats.spikes",
    "lagged_correlation": "servq.stats.lagcorr",
    "ServqError": "servq.errors",
    "DataError": "servq.errors",
    "InstrumentError": "servq.errors",
    "UsageError": "servq.errors",
    "Problem": "servq.errors",
}

__all__ = sorted([*_EXPORTS, "analyze", "scorecard"])


def analyze(data, instrument, by=None, *, complaints_register=None, complaints_timezone: str = "UTC",
            engine: str = "local", spark_master: str | None = None, **options):
    """Analyse survey answers: :func:`servq.analysis.analyze` (every option is documented
    there and in :class:`servq.AnalysisOptions`).

    ``complaints_register`` (a path, DataFrame or Table of complaints, times without an
    offset in ``complaints_timezone``) adds the ``complaints`` block, and its number of
    complaints is the economics' complaint count unless ``complaints`` is given
    (:func:`servq.complaints.analytics.analyze_with_register`).

    ``engine="spark"`` (or a Spark DataFrame as ``data``) runs the analysis on Apache Spark
    (:func:`servq.spark.analyze`, the ``servq[spark]`` extra; ``spark_master`` a master URL
    or an ``sc://`` Spark Connect address): the same figures, from the executors' sums.
    """
    if _on_spark(data, engine):
        if complaints_register is not None:
            raise import_module("servq.errors").UsageError("a complaints register is analysed with the local engine")
        return import_module("servq.spark").analyze(data, instrument, by, master=spark_master, **options)
    if complaints_register is None:
        return import_module("servq.analysis").analyze(data, instrument, by, **options)
    return import_module("servq.complaints.analytics").analyze_with_register(
        data, instrument, complaints_register, by, timezone=complaints_timezone, **options)


def scorecard(data, instrument, unit: str, parent: str | None = None, standards=None, *, engine: str = "local",
              spark_master: str | None = None, **options):
    """Fair scorecards of units: :func:`servq.analysis.scorecard.scorecard` (every option is
    documented there); ``engine="spark"`` (or a Spark DataFrame as ``data``) computes them
    on Apache Spark (:func:`servq.spark.scorecard`), with the same figures."""
    if _on_spark(data, engine):
        return import_module("servq.spark").scorecard(data, instrument, unit, parent, standards, master=spark_master,
                                                      **options)
    return import_module("servq.analysis").scorecard(data, instrument, unit, parent, standards, **options)


def _on_spark(data, engine: str) -> bool:
    if engine not in ("local", "spark"):
        raise import_module("servq.errors").UsageError(f"engine must be local or spark, got '{engine}'")
    return engine == "spark" or type(data).__module__.startswith("pyspark.")


def __getattr__(name: str):
    """A public name, imported on first use and then kept here."""
    if name in _EXPORTS:
        value = globals()[name] = getattr(import_module(_EXPORTS[name]), name)
        return value
    raise AttributeError(f"module 'servq' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(_EXPORTS))
