"""The estimation options of ``cfa()``/``sem()`` (lavaan's ``estimator`` and ``missing``), validated once."""

from __future__ import annotations

from dataclasses import dataclass

ESTIMATORS = ("ML", "MLR")
MISSING = ("listwise", "fiml", "ml")
PLANNED = {"WLSMV": "with ordered= items only", "DWLS": "with ordered= items only",
           "ULS": "with ordered= items only; for continuous items use 'ML', or 'MLR' when they are not normal",
           "WLS": "ADF", "MLM": "Satorra–Bentler", "MLMV": "Satorra–Bentler", "GLS": "GLS"}


@dataclass(frozen=True)
class SemOptions:
    """``estimator`` and ``missing`` as lavaan names them.

    Parameters
    ----------
    estimator : str
        "ML" (normal-theory standard errors and χ²) or "MLR" (Huber–White standard errors,
        Yuan–Bentler scaled χ²); case-insensitive as in lavaan.
    missing : str
        "listwise" (drop respondents missing any model variable; lavaan's default for ML) or
        "fiml" / "ml" (casewise maximum likelihood over all answers).

    Raises
    ------
    ValueError
        When a value is not one of the supported ones (the message names it and them).

    References
    ----------
    Rosseel, Y. (2012). lavaan: An R package for structural equation modeling. Journal of
    Statistical Software, 48(2), 1–36 (``?lavOptions``).

    Examples
    --------
    As lavaan's ``cfa(model, data, estimator = "mlr", missing = "ML")`` (case-insensitive):

    >>> SemOptions("mlr", "ML").fiml, SemOptions("mlr", "ML").robust
    (True, True)
    >>> SemOptions("WLSMV")
    Traceback (most recent call last):
    ...
    ValueError: estimator='WLSMV' is not supported yet (with ordered= items only); supported: 'ML', 'MLR'
    """

    estimator: str = "ML"
    missing: str = "listwise"

    def __post_init__(self) -> None:
        est = str(self.estimator).upper()
        if est not in ESTIMATORS:
            why = f" ({PLANNED[est]})" if est in PLANNED else ""
            raise ValueError(f"estimator={self.estimator!r} is not supported yet{why}; supported: "
                             + ", ".join(repr(e) for e in ESTIMATORS))
        miss = str(self.missing).lower()
        if miss not in MISSING:
            raise ValueError(f"missing={self.missing!r} is not supported; supported: "
                             + ", ".join(repr(m) for m in MISSING) + " ('ml' is the same as 'fiml')")
        object.__setattr__(self, "estimator", est)
        object.__setattr__(self, "missing", "fiml" if miss == "ml" else miss)

    @property
    def fiml(self) -> bool:
        """Whether missing answers are handled by full-information ML."""
        return self.missing == "fiml"

    @property
    def robust(self) -> bool:
        """Whether standard errors and χ² are the robust (MLR) ones."""
        return self.estimator == "MLR"
