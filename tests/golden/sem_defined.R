# Reference values for tests/stats/test_sem_defined.py, computed with lavaan 0.6-14:
# defined parameters (:=) with delta-method standard errors, and linear equality
# constraints (==) next to shared labels.
# Run from this folder: Rscript sem_defined.R   (writes sem_defined.json; reads the CSV files
# that sem.R writes to data/).
# Cases: a mediation model on PoliticalDemocracy (a, b, c labels; indirect, total,
# proportion and a nonlinear function of them); the HolzingerSwineford1939 CFA with two
# == constraints (one with constants on both sides), a shared label and definitions of
# constrained parameters; the HS two-group CFA by school with per-group labels c(l1, l2),
# a cross-group == and definitions of differences and ratios.
# lavaan differentiates a definition by the complex step, and R's abs() of a complex number
# is its modulus, so lavaan's SE drops every term under abs(): odd_abs is kept to show it;
# odd (the same function written sqrt(c^2)^0.5) has the correct SE, which servq gives for both.
suppressPackageStartupMessages({library(lavaan); library(jsonlite)})

hs <- read.csv("data/HolzingerSwineford1939.csv")
pd <- read.csv("data/PoliticalDemocracy.csv")

mediation <- "ind60 =~ x1 + x2 + x3
dem60 =~ y1 + y2 + y3 + y4
dem65 =~ y5 + y6 + y7 + y8
dem60 ~ a*ind60
dem65 ~ c*ind60 + b*dem60
ab := a*b
total := c + a * b
prop := ab / total
odd := exp(b)^2 - sqrt(c^2)^0.5 + log(a) * -1 + 2^-b
odd_abs := exp(b)^2 - sqrt(abs(c)) + log(a) * -1 + 2^-b"

hs_eq <- "visual =~ x1 + a*x2 + b*x3
textual =~ x4 + c*x5 + d*x6
speed =~ x7 + e*x8 + e*x9
a == b
c - 0.5 == 2*d - 1
cd := c - d
ee := e^2 / (1 + a)"

hs_groups <- "visual =~ x1 + c(l1, l2)*x2 + x3
textual =~ x4 + c(t1, t2)*x5 + x6
speed =~ x7 + x8 + x9
t1 == t2
diff := l1 - l2
ratio := l1 / l2"

measures <- c("chisq", "df", "pvalue", "baseline.chisq", "baseline.df", "cfi", "tli", "rmsea",
              "rmsea.ci.lower", "rmsea.ci.upper", "srmr", "logl", "aic", "bic", "npar")

describe <- function(fit, model, args) {
  pe <- parameterEstimates(fit, standardized = TRUE)
  if (is.null(pe$group)) pe$group <- ifelse(pe$op == ":=", 0L, 1L)
  fm <- fitMeasures(fit, measures)
  list(model = model, args = args,
       estimates = pe[, c("lhs", "op", "rhs", "group", "label", "est", "se", "z", "pvalue",
                          "ci.lower", "ci.upper", "std.lv", "std.all")],
       fit = as.list(setNames(as.numeric(fm), names(fm))))
}

cases <- list(
  mediation = describe(sem(mediation, data = pd), mediation, list(data = "pd")),
  hs_eq = describe(cfa(hs_eq, data = hs), hs_eq, list(data = "hs")),
  hs_groups = describe(cfa(hs_groups, data = hs, group = "school"), hs_groups,
                       list(data = "hs", group = "school")))

out <- list(lavaan = as.character(packageVersion("lavaan")), cases = cases)
write(toJSON(out, dataframe = "columns", auto_unbox = TRUE, digits = NA, na = "null",
             null = "null", pretty = FALSE), "sem_defined.json")
