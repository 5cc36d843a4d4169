# Reference values for tests/stats/test_sem_heldout.py, computed with lavaan 0.6-14: model
# shapes that the other sem*.R files do not fit, each a model a user would write.
# Run from this folder: Rscript sem_heldout.R   (writes sem_heldout.json; writes
# data/HolzingerSwineford1939_gaps.csv and data/sq411_ordinal3.csv when they are absent; reads
# the CSV files that sem.R writes to data/ and ../data/servqual_perceptions_sq411.csv)
# Every model is fitted on the CSV files as read back, so R and Python see the same numbers.
# For each case: parameterEstimates(fit, standardized = TRUE) (est, se, z, std.lv, std.all) and
# fitMeasures (with the scaled and robust ones for MLM / MLR, the scaled ones for WLSMV); for
# the one-group ML, MLM and MLR cases listed in mi_cases, modindices(fit) too.
# Cases:
#   second_order - HS three-factor CFA with a second-order factor g =~ visual + textual + speed;
#   bifactor     - HS general factor on x1..x9 with specific factors for the textual and speed
#                  items, orthogonal = TRUE, std.lv = TRUE (with a third, visual, specific factor
#                  lavaan's solution has a negative residual variance);
#   orthogonal_rescov - HS CFA with a factor covariance fixed to 0 in the syntax
#                  (visual ~~ 0*speed) and correlated residuals x7 ~~ x8 (within a factor) and
#                  x1 ~~ x4 (across factors);
#   cross_mlm    - HS CFA with cross-loadings (visual =~ x9, textual =~ x1) and the residual
#                  covariance x2 ~~ x3, estimator = "MLM" (Satorra-Bentler scaled statistics);
#   fixed_values - fixed loadings (1*x1 + 0.8*x2), a fixed residual variance (x5 ~~ 0.3*x5) and a
#                  fixed factor covariance (visual ~~ 0.4*textual);
#   means_labels - meanstructure = TRUE with labelled intercepts, two of them equal
#                  (x8 ~ t*1, x9 ~ t*1) and a labelled free intercept defined further (:=);
#   mimic_mlr_fiml - MIMIC (visual and textual on ageyr and sex) by MLR with missing = "ml" on
#                  HS with deterministic holes (x1 every 9th row, x2 every 7th, x5 every 6th
#                  from row 2, x6 every 11th from row 4; covariates complete);
#   groups_strict - HS by school, group.equal = c("loadings", "intercepts", "residuals");
#   poldem_std_lv - PoliticalDemocracy SEM (no residual covariances) with std.lv = TRUE and
#                  regressions among latents;
#   chain_defined_mlr - HS path visual -> textual -> speed by MLR with := definitions: the
#                  indirect effect a*b, the total c + a*b and a logistic of the indirect
#                  exp(a*b)/(1 + exp(a*b));
#   poldem_inequality - PoliticalDemocracy SEM with equal residual variances of y1 and y5
#                  (a label) and an inequality b2 > b1 between two regressions (active: the
#                  unconstrained estimates are b1 = 1.41, b2 = 0.51);
#   growth       - a linear latent growth model written out in sem() syntax on
#                  PoliticalDemocracy y1..y4 (intercepts of the indicators fixed to 0, latent
#                  means free);
#   groups_std_lv_mlr - HS by school, equal loadings with std.lv = TRUE (the latent variances of
#                  the second group free) by MLR;
#   groups_c_labels - HS by school identified by the markers' intercepts: equal loadings of two
#                  textual items and equal intercepts of x1, x4, x7 by c() labels, latent means
#                  fixed to 0 in the first group and free in the second (c(0, NA)*1);
#   single_indicator - a single-indicator factor with its residual variance fixed (first =~ x1,
#                  x1 ~~ 0.25*x1) predicting two factors, one of them also from the other;
#   modifiers, equal_fixed, equal_groups - lavaan's modifiers label(), start() and equal() (a
#                  parameter made equal to another named by lhs op rhs, ".g2" in the second
#                  group), see below;
#   ordinal_second_order - the second-order model of the ordered HS items by WLSMV (a Heywood
#                  case: lavaan's warning kept), see below;
#   sq_ordinal   - a one-factor model of the sq411 reliability items a05..a09, cut from
#                  0,20,...,100 into 3 categories (<= 60, 80, 100), ordered, WLSMV.
suppressPackageStartupMessages({library(lavaan); library(jsonlite)})

hs <- read.csv("data/HolzingerSwineford1939.csv")
pd <- read.csv("data/PoliticalDemocracy.csv")

gaps_file <- "data/HolzingerSwineford1939_gaps.csv"
if (!file.exists(gaps_file)) {
  g <- hs
  i <- seq_len(nrow(g))
  g$x1[i %% 9 == 0] <- NA
  g$x2[i %% 7 == 0] <- NA
  g$x5[i %% 6 == 2] <- NA
  g$x6[i %% 11 == 4] <- NA
  write.csv(g, gaps_file, row.names = FALSE, na = "")
}
gaps <- read.csv(gaps_file)

ord_file <- "data/sq411_ordinal3.csv"
if (!file.exists(ord_file)) {
  sq <- read.csv("../data/servqual_perceptions_sq411.csv")
  items <- paste0("a0", 5:9)
  cut3 <- function(v) as.integer(cut(v, c(-Inf, 60, 80, Inf)))
  write.csv(as.data.frame(lapply(sq[items], cut3)), ord_file, row.names = FALSE)
}
sq_ord <- read.csv(ord_file)

hs_model <- "visual =~ x1 + x2 + x3
textual =~ x4 + x5 + x6
speed =~ x7 + x8 + x9"

standard <- c("chisq", "df", "pvalue", "baseline.chisq", "baseline.df", "cfi", "tli", "rmsea",
              "rmsea.ci.lower", "rmsea.ci.upper", "srmr", "logl", "unrestricted.logl", "aic", "bic",
              "npar", "ntotal")
scaled <- c("chisq.scaled", "df.scaled", "pvalue.scaled", "chisq.scaling.factor",
            "baseline.chisq.scaled", "cfi.scaled", "tli.scaled", "rmsea.scaled")
robust <- c("cfi.robust", "tli.robust", "rmsea.robust")
ordinal <- c("npar", "chisq", "df", "pvalue", "chisq.scaled", "df.scaled", "pvalue.scaled",
             "chisq.scaling.factor", "baseline.chisq", "baseline.df", "cfi", "tli", "rmsea",
             "cfi.scaled", "tli.scaled", "rmsea.scaled", "srmr")

describe <- function(fit, model, args, measures = standard) {
  pe <- parameterEstimates(fit, standardized = TRUE)
  if (is.null(pe$group)) pe$group <- 1L
  if (is.null(pe$label)) pe$label <- ""
  fm <- fitMeasures(fit, measures)
  pe <- pe[, c("lhs", "op", "rhs", "group", "label", "est", "se", "z", "pvalue", "std.lv", "std.all")]
  names(pe) <- sub("std.", "std_", names(pe), fixed = TRUE)  # as tests/sem_golden_helpers.py reads them
  list(model = model, args = args, estimates = pe,
       fit = as.list(setNames(as.numeric(fm), names(fm))))
}

cases <- list()

second_order <- paste(hs_model, "g =~ visual + textual + speed", sep = "\n")
cases$second_order <- describe(cfa(second_order, data = hs), second_order, list(data = "hs"))

bifactor <- "textual =~ x4 + x5 + x6
speed =~ x7 + x8 + x9
g =~ x1 + x2 + x3 + x4 + x5 + x6 + x7 + x8 + x9"
cases$bifactor <- describe(cfa(bifactor, data = hs, orthogonal = TRUE, std.lv = TRUE), bifactor,
                           list(data = "hs", orthogonal = TRUE, std_lv = TRUE))

orth <- paste(hs_model, "visual ~~ 0*speed
x7 ~~ x8
x1 ~~ x4", sep = "\n")
cases$orthogonal_rescov <- describe(cfa(orth, data = hs), orth, list(data = "hs"))

cross <- "visual =~ x1 + x2 + x3 + x9
textual =~ x4 + x5 + x6 + x1
speed =~ x7 + x8 + x9
x2 ~~ x3"
cases$cross_mlm <- describe(cfa(cross, data = hs, estimator = "MLM"), cross,
                            list(data = "hs", estimator = "MLM"), c(standard, scaled, robust))

fixed <- "visual =~ 1*x1 + 0.8*x2 + x3
textual =~ x4 + x5 + x6
speed =~ x7 + x8 + x9
x5 ~~ 0.3*x5
visual ~~ 0.4*textual"
cases$fixed_values <- describe(cfa(fixed, data = hs), fixed, list(data = "hs"))

means <- paste(hs_model, "x1 ~ i1*1
x8 ~ t*1
x9 ~ t*1
x7 ~ i7*1
gap := i1 - i7", sep = "\n")
cases$means_labels <- describe(cfa(means, data = hs, meanstructure = TRUE), means,
                               list(data = "hs", meanstructure = TRUE))

mimic <- "visual =~ x1 + x2 + x3
textual =~ x4 + x5 + x6
visual + textual ~ ageyr + sex"
cases$mimic_mlr_fiml <- describe(sem(mimic, data = gaps, estimator = "MLR", missing = "ml"), mimic,
                                 list(data = "gaps", estimator = "MLR", missing = "ml"),
                                 c(standard, scaled, robust))

cases$groups_strict <- describe(cfa(hs_model, data = hs, group = "school",
                                    group.equal = c("loadings", "intercepts", "residuals")),
                                hs_model, list(data = "hs", group = "school",
                                               group_equal = list("loadings", "intercepts", "residuals")))

pd_model <- "ind60 =~ x1 + x2 + x3
dem60 =~ y1 + y2 + y3 + y4
dem65 =~ y5 + y6 + y7 + y8
dem60 ~ ind60
dem65 ~ ind60 + dem60"
cases$poldem_std_lv <- describe(sem(pd_model, data = pd, std.lv = TRUE), pd_model,
                                list(data = "pd", std_lv = TRUE))

chain <- paste(hs_model, "textual ~ a*visual
speed ~ b*textual + c*visual
ind := a*b
total := c + a*b
logistic := exp(a*b) / (1 + exp(a*b))", sep = "\n")
cases$chain_defined_mlr <- describe(sem(chain, data = hs, estimator = "MLR"), chain,
                                    list(data = "hs", estimator = "MLR"), c(standard, scaled, robust))

ineq <- "ind60 =~ x1 + x2 + x3
dem60 =~ y1 + y2 + y3 + y4
dem65 =~ y5 + y6 + y7 + y8
dem60 ~ b1*ind60
dem65 ~ b2*ind60 + dem60
y1 ~~ v*y1
y5 ~~ v*y5
y1 ~~ y5
b2 > b1"
# the constraint is active (b1 = b2): lavaan's nlminb.constr run to a tight tolerance, as
# sem_constraints.R does, so single estimates are at the constrained optimum
cases$poldem_inequality <- describe(sem(ineq, data = pd,
                                        control = list(rel.tol = 1e-14, control.outer = list(tol = 1e-11))),
                                    ineq, list(data = "pd"))

growth <- "i =~ 1*y1 + 1*y2 + 1*y3 + 1*y4
s =~ 0*y1 + 1*y2 + 2*y3 + 3*y4
y1 ~ 0*1
y2 ~ 0*1
y3 ~ 0*1
y4 ~ 0*1
i ~ 1
s ~ 1"
cases$growth <- describe(sem(growth, data = pd), growth, list(data = "pd"))

sq_model <- "reliability =~ a05 + a06 + a07 + a08 + a09"
cases$sq_ordinal <- describe(cfa(sq_model, data = sq_ord, ordered = names(sq_ord), estimator = "WLSMV"),
                             sq_model, list(data = "sq_ord", ordered = TRUE, estimator = "WLSMV"), ordinal)

cases$groups_std_lv_mlr <- describe(cfa(hs_model, data = hs, group = "school", group.equal = "loadings",
                                         std.lv = TRUE, estimator = "MLR"),
                                     hs_model, list(data = "hs", group = "school", group_equal = list("loadings"),
                                                    std_lv = TRUE, estimator = "MLR"), c(standard, scaled, robust))

group_labels <- "visual =~ x1 + x2 + x3
textual =~ x4 + c(a, a)*x5 + c(b, b)*x6
speed =~ x7 + x8 + x9
visual ~ c(0, NA)*1
textual ~ c(0, NA)*1
speed ~ c(0, NA)*1
x1 ~ c(i1, i1)*1
x4 ~ c(i4, i4)*1
x7 ~ c(i7, i7)*1"
cases$groups_c_labels <- describe(cfa(group_labels, data = hs, group = "school"), group_labels,
                                  list(data = "hs", group = "school"))

single <- "visual =~ x2 + x3
textual =~ x4 + x5 + x6
first =~ x1
x1 ~~ 0.25*x1
visual ~ first
textual ~ visual + first"
cases$single_indicator <- describe(sem(single, data = hs), single, list(data = "hs"))

# modifiers: start(), label("b"), equal("textual=~x5") (x8's loading equal to x5's: a quoted
# parameter name as label), two statements on a line (;), a statement continued after "+" and a
# comment; equal_fixed: equal() naming a fixed parameter (x8's loading fixed at visual =~ x1's 1)
# and a free one (x9's residual variance equal to x7's); equal_groups: by school, "textual=~x5.g2" (the second group's loading)
# as label in both groups, c(i, i) and c(NA, "x2~1") on intercepts
modifiers <- "visual =~ x1 + start(0.5)*x2 + label(\"b\")*x3; textual =~ x4 + x5 +
  x6
speed =~ x7 + equal(\"textual=~x5\")*x8 + x9  # comment"
cases$modifiers <- describe(cfa(modifiers, data = hs), modifiers, list(data = "hs"))
equal_fixed <- "visual =~ x1 + x2 + x3
textual =~ x4 + x5 + x6
speed =~ x7 + equal(\"visual=~x1\")*x8 + x9
x9 ~~ equal(\"x7~~x7\")*x9"
cases$equal_fixed <- describe(cfa(equal_fixed, data = hs), equal_fixed, list(data = "hs"))
equal_groups <- "visual =~ x1 + x2 + x3
textual =~ x4 + x5 + x6
speed =~ x7 + equal(\"textual=~x5.g2\")*x8 + x9
x1 ~ c(i, i)*1
x2 ~ c(NA, \"x2~1\")*1"
# lavaan warns that a single label in several groups makes the parameters equal across groups
cases$equal_groups <- suppressWarnings(describe(cfa(equal_groups, data = hs, group = "school"), equal_groups,
                                                list(data = "hs", group = "school")))

# ordinal_second_order: the second-order model on the ordered HS items (data/hs_ordinal.csv,
# written by polychoric.R), WLSMV: visual's residual variance is negative (-0.028), which lavaan
# warns of (kept in "warnings")
ho <- read.csv("data/hs_ordinal.csv")
caught <- character(0)
fit_ord2 <- withCallingHandlers(cfa(second_order, data = ho, ordered = TRUE, estimator = "WLSMV"),
                                warning = function(w) { caught <<- c(caught, conditionMessage(w))
                                                        invokeRestart("muffleWarning") })
cases$ordinal_second_order <- suppressWarnings(describe(fit_ord2, second_order,
                                                        list(data = "ho", ordered = TRUE, estimator = "WLSMV"), ordinal))
cases$ordinal_second_order$warnings <- I(caught)  # a JSON array even of one

# modindices(fit) of the one-group ML, MLM and MLR fits: every candidate lavaan lists (NA rows
# left out, as modindices() does; with fixed.x covariates, none of their own parameters)
modification_indices <- function(fit) {
  mi <- as.data.frame(modindices(fit))
  list(lhs = mi$lhs, op = mi$op, rhs = mi$rhs, mi = mi$mi, epc = mi$epc, sepc_lv = mi$sepc.lv,
       sepc_all = mi$sepc.all)
}
mi_cases <- list(
  second_order = cfa(second_order, data = hs),
  orthogonal_rescov = cfa(orth, data = hs),
  cross_mlm = cfa(cross, data = hs, estimator = "MLM"),
  fixed_values = cfa(fixed, data = hs),
  means_labels = cfa(means, data = hs, meanstructure = TRUE),
  mimic_mlr_fiml = sem(mimic, data = gaps, estimator = "MLR", missing = "ml"),
  poldem_std_lv = sem(pd_model, data = pd, std.lv = TRUE),
  growth = sem(growth, data = pd),
  single_indicator = sem(single, data = hs))
modindices_cases <- lapply(mi_cases, modification_indices)

out <- list(lavaan = as.character(packageVersion("lavaan")), cases = cases, modindices = modindices_cases)
write(toJSON(out, dataframe = "columns", auto_unbox = TRUE, digits = NA, na = "null",
             null = "null", pretty = FALSE), "sem_heldout.json")
