# Reference values for tests/stats/test_sem_constraints.py, computed with lavaan 0.6-14:
# inequality constraints (< and >), nonlinear equality constraints (==) and the ULS / ULSMV
# estimators.
# Run from this folder: Rscript sem_constraints.R   (writes sem_constraints.json; reads the CSV
# files that sem.R and polychoric.R write to data/).
# Cases (HolzingerSwineford1939 three-factor CFA, loadings labelled a, b on visual and c, d on
# textual):
#   inactive  - a > 0, which the ML estimate satisfies (the fit is the unconstrained one);
#   heywood   - the first 100 rows, where x1's residual variance is negative (-0.125), held by
#               v1 > 0 (active: the variance is 0 and its SE 0);
#   labels    - a > b between two loadings (active: a = b);
#   sum       - a + b > 1.4 (active, linear in two labels);
#   product   - a > b*c (active, nonlinear);
#   square    - a == b^2 (nonlinear equality: one df more);
#   reciprocal- c*d == 1;
#   exp       - a == exp(b) - 1.5;
#   mixed     - a == b^2 with c > d + 0.3, a linear == and a defined parameter;
#   groups    - two groups (school), a loading labelled per group, l1 > l2 + 0.2 (active);
#   free      - the unconstrained fit, which "inactive" must equal (no tight refit: lavaan's
#               plain nlminb does not converge at rel.tol = 1e-14, and needs none).
# Each constrained case is also fitted with lavaan's optimiser run to a tight tolerance
# ("tight": control = list(rel.tol = 1e-14, control.outer = list(tol = 1e-11))): with an
# active constraint, nlminb.constr's defaults stop where chi-square is flat to 1e-8 but single
# estimates are still up to 1e-4 from the constrained optimum, which servq solves to rounding.
# ULS: the ordinal CFA (data/hs_ordinal.csv, ordered = TRUE) with estimator = "ULS" and
# "ULSMV" (servq refuses ULS on continuous items, naming ML and MLR instead).
suppressPackageStartupMessages({library(lavaan); library(jsonlite)})

hs <- read.csv("data/HolzingerSwineford1939.csv")
hs_ord <- read.csv("data/hs_ordinal.csv")
labelled <- "visual =~ x1 + a*x2 + b*x3
textual =~ x4 + c*x5 + d*x6
speed =~ x7 + x8 + x9"
hs_model <- "visual =~ x1 + x2 + x3
textual =~ x4 + x5 + x6
speed =~ x7 + x8 + x9"

measures <- c("npar", "fmin", "chisq", "df", "pvalue", "baseline.chisq", "baseline.df", "cfi", "tli",
              "rmsea", "srmr", "chisq.scaled", "df.scaled", "pvalue.scaled", "chisq.scaling.factor",
              "baseline.chisq.scaled", "baseline.df.scaled", "cfi.scaled", "tli.scaled", "rmsea.scaled")

describe <- function(fit, model, data, group = NULL) {
  pe <- parameterEstimates(fit, standardized = TRUE)
  if (is.null(pe$label)) pe$label <- ""
  fm <- fitMeasures(fit)
  keep <- intersect(measures, names(fm))
  list(model = model, data = data, group = group, converged = lavInspect(fit, "converged"),
       se = lavInspect(fit, "options")$se, test = lavInspect(fit, "options")$test,
       estimates = pe[, c("lhs", "op", "rhs", "label", "est", "se", "std.lv", "std.all")],
       fit = as.list(setNames(unname(as.numeric(fm[keep])), keep)))
}

constrained <- list(
  free = "",
  inactive = "a > 0",
  labels = "a > b",
  sum = "a + b > 1.4",
  product = "a > b*c",
  square = "a == b^2",
  reciprocal = "c*d == 1",
  exp = "a == exp(b) - 1.5",
  mixed = "a == b^2\nc > d + 0.3\nx7 ~~ e*x7\nx8 ~~ e2*x8\ne == e2\nab := a*b")
tight <- list(rel.tol = 1e-14, control.outer = list(tol = 1e-11))
both <- function(model, data, name, group = NULL) {
  out <- describe(cfa(model, data = data, group = group), model, name, group)
  out$tight <- describe(cfa(model, data = data, group = group, control = tight), model, name, group)
  out
}
cases <- lapply(constrained[-1], function(extra) both(paste(labelled, extra, sep = "\n"), hs, "hs"))
cases$free <- describe(cfa(labelled, data = hs), labelled, "hs")  # plain nlminb: its default is tight
heywood <- paste(hs_model, "x1 ~~ v1*x1\nv1 > 0", sep = "\n")
cases$heywood <- both(heywood, hs[1:100, ], "hs100")
groups <- "visual =~ x1 + c(l1, l2)*x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9\nl1 > l2 + 0.2"
cases$groups <- both(groups, hs, "hs", group = "school")

uls <- list(
  ordinal = describe(cfa(hs_model, data = hs_ord, ordered = TRUE, estimator = "ULS"), hs_model, "hs_ordinal"),
  ordinal_mv = describe(cfa(hs_model, data = hs_ord, ordered = TRUE, estimator = "ULSMV"), hs_model, "hs_ordinal"))

out <- list(lavaan = as.character(packageVersion("lavaan")), cases = cases, uls = uls)
write(toJSON(out, dataframe = "columns", auto_unbox = TRUE, digits = NA, na = "null",
             null = "null", pretty = FALSE), "sem_constraints.json")
