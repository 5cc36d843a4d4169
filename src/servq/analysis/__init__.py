"""The analysis engine: options, the streaming core and the results.

    servq.analysis.analyze(data, instrument, by=..., **options)  -> Results
    AnalysisOptions(...)                                          every option, validated once
    plan_for(instrument, columns, options)                        -> Plan
    accumulate(chunks, plan)                                      -> Sums (mergeable, storable)
    merge(a, b)                                                   -> Sums
    finish(sums, plan)                                            -> Results
    score_pass(chunks, plan, fits, groups)                       the ordinal fits' second pass (WLSMV)
    scorecard(data, instrument, unit=..., ...)                    -> Results with a scorecard

Floors: this package reads data (``servq.io``), scores it (``servq.measures``) and is
read by the report, the web app, the complaints module and the CLI; it imports none of them.
"""

from .accumulate import accumulate, score_pass, tally
from .analyze import analyze
from .finish import SCHEMA_VERSION, finish
from .options import LANGS, AnalysisOptions
from .plan import Plan, plan_for, quality_part
from .results import Results
from .scorecard import scorecard
from .sums import FORMAT_VERSION, Counts, Sums, add_aligned, merge

__all__ = ["FORMAT_VERSION", "LANGS", "SCHEMA_VERSION", "AnalysisOptions", "Counts", "Plan", "Results", "Sums",
           "accumulate", "add_aligned", "analyze", "finish", "merge", "plan_for", "quality_part", "scorecard", "score_pass",
           "tally"]
