# Reference values for tests/stats/test_heldout_round2.py: a second held-out round of cases that
# no other golden file covers, computed with lavaan 0.6-14, psych 2.2.9 (with GPArotation) and base R
# 4.2.2; the versions are written to the JSON ("lavaan", "psych_version", "R").
# Run from this folder: Rscript heldout_round2.R   (writes heldout_round2.json; writes
# data/hs_binary_school.csv, data/HolzingerSwineford1939_holes_empty.csv and
# data/unequal_groups.csv when they are absent; reads the CSV files
# that sem.R, sem_missing.R and sem_ordinal_groups.R write to data/)
# Every model is fitted on the CSV files as read back, so R and Python see the same numbers.
#
# Data written here (deterministic):
#   hs_binary_school.csv - HolzingerSwineford1939 x1..x9 cut at their medians into 1 (<= median)
#                          and 2 (> median), with school;
#   HolzingerSwineford1939_holes_empty.csv - HolzingerSwineford1939_holes.csv with rows 4 and 11
#                          left without any answer to x1..x9;
#   unequal_groups.csv   - five groups of 3, 3, 4, 12 and 40 answers with SDs 0.1 to 5 (set.seed(2026),
#                          rnorm rounded to 2 decimals): Welch degrees of freedom near 2 (R's ptukey needs df >= 2).
#
# SEM cases: parameterEstimates(fit, standardized = TRUE) (est, se, std.lv, std.all) and the
# fitMeasures servq reports for the estimator (see `standard`, `robust`, `ordinal`), with lavaan's
# warnings of the fit; for the cases in mi_cases, modindices(fit) too:
#   ord_groups_lv - ordered HS items by school (WLSMV), group.equal = thresholds, loadings,
#                  lv.variances and lv.covariances;
#   groups_all_equal - HS with x7 ~~ x8 by school (ML), group.equal = every kind but regressions
#                  (loadings, intercepts, means, residuals, residual.covariances, lv.(co)variances);
#   groups_regressions - HS with textual ~ visual and speed ~ visual + textual by school, equal loadings
#                  and regressions;
#   ord_binary_sem - binary HS items (WLSMV), std.lv = TRUE, a regression textual ~ visual and speed
#                  ~ textual (tetrachoric correlations, residual variances of endogenous factors 1);
#   two_indicator - HS with a factor of two indicators (speed =~ x7 + x8) and x9 on textual;
#   heywood_ml    - HS bifactor model with three specific factors, orthogonal, std.lv: ML gives a
#                  negative residual variance (lavaan warns: "some estimated ov variances are negative");
#   groups_labels_partial - HS by school, group.equal = loadings + intercepts, group.partial on an
#                  intercept and a loading, and c() labels that make a residual variance equal;
#   lv_ov_cov     - a covariance between a factor and an observed variable of no factor (ageyr);
#   path_rescov_mlr - a path model on observed PoliticalDemocracy variables, no latents, with a
#                  correlated residual, meanstructure = TRUE, by MLR;
#   single_indicator_auto - a factor of one indicator (lavaan fixes its residual variance at 0) predicting another;
#   grade_groups  - HS by grade (7, 8; one row without a grade, left out), equal loadings;
#   empty_rows_fiml_mlr - HS with holes and two rows without any answer, by school, MLR with missing = "ml";
#   covariances_only - two covariances among observed variables (x1 ~~ x2, x1 ~~ x3), nothing else;
#   bfi_ml        - the five-factor CFA of the 25 bfi items (listwise, lavaan's default);
#   bfi_mlr_fiml  - the same by MLR with missing = "ml" (all 2800 rows, their holes);
#   mlm_groups_scalar - HS by school, loadings and intercepts equal, MLM;
#   mlmv_groups_metric - HS by school, loadings equal, MLMV;
#   mlr_fiml_groups_scalar - HS with holes (sem_missing.R) by school, loadings and intercepts equal,
#                  MLR with missing = "ml";
#   fiml_defined_mlr - a mediation among the HS factors with := a*b, MLR with missing = "ml" on the holes;
#   ord_defined   - the same structure on the ordered items (WLSMV) with := a*b and a / b.
# A tetrachoric correlation with one empty cell (see `tetrachoric` below).
# Invariance by MLR and MLM: lavTestLRT of the configural, metric and scalar HS fits by school (the
# Satorra-Bentler 2001 scaled difference) with each fit's cfi.robust, rmsea.robust and chisq.scaled.
# psych: alpha of bfi A1-A5 with A1 not reversed (a negative item), alpha of A2, A3, A4 and their
# sum S = A2 + A3 (a singular correlation matrix), omega of A1-A5, C1-C5 with nfactors = 2.
# Two proportions with a share of 0 or 1: prop.test(correct = FALSE) and each share's Wilson interval.
# Comparisons (unequal_groups.csv): oneway.test(y ~ g) and Games-Howell by hand with ptukey, as
# comparisons.R (critical value by inverting ptukey).
suppressPackageStartupMessages({library(lavaan); library(psych); library(GPArotation); library(jsonlite)})

hs <- read.csv("data/HolzingerSwineford1939.csv")
pd <- read.csv("data/PoliticalDemocracy.csv")
holes <- read.csv("data/HolzingerSwineford1939_holes.csv")
ho_school <- read.csv("data/hs_ordinal_school.csv")
bfi <- read.csv("data/bfi.csv")[, 1:25]
xs <- paste0("x", 1:9)

binary_file <- "data/hs_binary_school.csv"
if (!file.exists(binary_file)) {
  b <- as.data.frame(lapply(hs[xs], function(v) as.integer(v > median(v)) + 1L))
  b$school <- hs$school
  write.csv(b, binary_file, row.names = FALSE)
}
hb <- read.csv(binary_file)

empty_file <- "data/HolzingerSwineford1939_holes_empty.csv"
if (!file.exists(empty_file)) {
  e <- holes
  e[c(4, 11), xs] <- NA
  write.csv(e, empty_file, row.names = FALSE, na = "")
}
empty <- read.csv(empty_file)

groups_file <- "data/unequal_groups.csv"
if (!file.exists(groups_file)) {
  set.seed(2026)
  sizes <- c(a = 3, b = 3, c = 4, d = 12, e = 40)
  means <- c(5, 1, 4, 3, 3.5)
  sds <- c(0.1, 5, 1, 2, 0.5)
  g <- rep(names(sizes), sizes)
  y <- round(unlist(mapply(rnorm, sizes, means, sds)), 2)
  write.csv(data.frame(g = g, y = y), groups_file, row.names = FALSE)
}
ug <- read.csv(groups_file)

hs_model <- "visual =~ x1 + x2 + x3
textual =~ x4 + x5 + x6
speed =~ x7 + x8 + x9"

standard <- c("npar", "chisq", "df", "pvalue", "baseline.chisq", "baseline.df", "baseline.pvalue", "cfi", "tli",
              "rmsea", "rmsea.ci.lower", "rmsea.ci.upper", "rmsea.pvalue", "srmr", "logl", "unrestricted.logl",
              "aic", "bic", "bic2", "ntotal")
robust <- c(standard, "chisq.scaled", "df.scaled", "pvalue.scaled", "chisq.scaling.factor",
            "baseline.chisq.scaled", "baseline.df.scaled", "baseline.pvalue.scaled",
            "baseline.chisq.scaling.factor", "cfi.scaled", "tli.scaled", "rmsea.scaled", "cfi.robust",
            "tli.robust", "rmsea.robust")
ordinal <- c("npar", "chisq", "df", "pvalue", "chisq.scaled", "df.scaled", "pvalue.scaled",
             "chisq.scaling.factor", "baseline.chisq", "baseline.df", "baseline.pvalue", "baseline.chisq.scaled",
             "baseline.df.scaled", "cfi", "tli", "rmsea", "cfi.scaled", "tli.scaled", "rmsea.scaled", "srmr")

# each case with lavaan's warnings of its fit (a JSON array even of one or none)
describe <- function(fit_call, model, args, measures = standard) {
  caught <- character(0)
  fit <- withCallingHandlers(fit_call, warning = function(w) {
    caught <<- c(caught, conditionMessage(w)); invokeRestart("muffleWarning") })
  pe <- parameterEstimates(fit, standardized = TRUE)
  if (is.null(pe$group)) pe$group <- 1L
  if (is.null(pe$label)) pe$label <- ""
  fm <- fitMeasures(fit, measures)
  pe <- pe[, c("lhs", "op", "rhs", "group", "label", "est", "se", "std.lv", "std.all")]
  names(pe) <- sub("std.", "std_", names(pe), fixed = TRUE)  # as tests/sem_golden_helpers.py reads them
  list(model = model, args = args, estimates = pe, fit = as.list(setNames(as.numeric(fm), names(fm))),
       warnings = I(caught))
}

cases <- list()

cases$ord_groups_lv <- describe(
  cfa(hs_model, data = ho_school, ordered = xs, group = "school",
      group.equal = c("thresholds", "loadings", "lv.variances", "lv.covariances")),
  hs_model, list(data = "ho_school", ordered = TRUE, group = "school",
                 group_equal = list("thresholds", "loadings", "lv.variances", "lv.covariances")), ordinal)

all_equal <- c("loadings", "intercepts", "means", "residuals", "residual.covariances", "lv.variances",
               "lv.covariances")
rescov <- paste(hs_model, "x7 ~~ x8", sep = "\n")
cases$groups_all_equal <- describe(cfa(rescov, data = hs, group = "school", group.equal = all_equal), rescov,
                                   list(data = "hs", group = "school", group_equal = as.list(all_equal)))

regressions <- paste(hs_model, "textual ~ visual\nspeed ~ visual + textual", sep = "\n")
cases$groups_regressions <- describe(sem(regressions, data = hs, group = "school",
                                         group.equal = c("loadings", "regressions")), regressions,
                                     list(data = "hs", group = "school", group_equal = list("loadings", "regressions")))

binary_sem <- paste(hs_model, "textual ~ visual
speed ~ textual", sep = "\n")
cases$ord_binary_sem <- describe(sem(binary_sem, data = hb[xs], ordered = xs, std.lv = TRUE),
                                 binary_sem, list(data = "hb", ordered = TRUE, std_lv = TRUE), ordinal)

two <- "visual =~ x1 + x2 + x3
textual =~ x4 + x5 + x6 + x9
speed =~ x7 + x8"
cases$two_indicator <- describe(cfa(two, data = hs), two, list(data = "hs"))

bifactor3 <- "visual =~ x1 + x2 + x3
textual =~ x4 + x5 + x6
speed =~ x7 + x8 + x9
g =~ x1 + x2 + x3 + x4 + x5 + x6 + x7 + x8 + x9"
cases$heywood_ml <- describe(cfa(bifactor3, data = hs, orthogonal = TRUE, std.lv = TRUE), bifactor3,
                             list(data = "hs", orthogonal = TRUE, std_lv = TRUE))

labels_partial <- paste(hs_model, "x5 ~~ c(v, v)*x5", sep = "\n")
cases$groups_labels_partial <- describe(
  cfa(labels_partial, data = hs, group = "school", group.equal = c("loadings", "intercepts"),
      group.partial = c("x3 ~ 1", "visual =~ x2")),
  labels_partial, list(data = "hs", group = "school", group_equal = list("loadings", "intercepts"),
                       group_partial = list("x3 ~ 1", "visual =~ x2")))

lv_ov <- "visual =~ x1 + x2 + x3
textual =~ x4 + x5 + x6
visual ~~ ageyr
textual ~~ ageyr"
cases$lv_ov_cov <- describe(cfa(lv_ov, data = hs), lv_ov, list(data = "hs"))

path <- "y1 ~ x1
y2 ~ x1 + y1
y5 ~ y1 + x2
y2 ~~ y5"
cases$path_rescov_mlr <- describe(sem(path, data = pd, meanstructure = TRUE, estimator = "MLR"), path,
                                  list(data = "pd", meanstructure = TRUE, estimator = "MLR"), robust)

single_auto <- "visual =~ x1 + x2 + x3
f =~ x4
visual ~ f"
cases$single_indicator_auto <- describe(sem(single_auto, data = hs), single_auto, list(data = "hs"))
cases$grade_groups <- describe(cfa(hs_model, data = hs, group = "grade", group.equal = "loadings"), hs_model,
                               list(data = "hs", group = "grade", group_equal = list("loadings")))
cases$empty_rows_fiml_mlr <- describe(cfa(hs_model, data = empty, group = "school", estimator = "MLR", missing = "ml"),
                                      hs_model, list(data = "empty", group = "school", estimator = "MLR", missing = "ml"),
                                      robust)

covariances <- "x1 ~~ x2
x1 ~~ x3"
cases$covariances_only <- describe(sem(covariances, data = hs), covariances, list(data = "hs"))

bfi_model <- "A =~ A1 + A2 + A3 + A4 + A5
C =~ C1 + C2 + C3 + C4 + C5
E =~ E1 + E2 + E3 + E4 + E5
N =~ N1 + N2 + N3 + N4 + N5
O =~ O1 + O2 + O3 + O4 + O5"
cases$bfi_ml <- describe(cfa(bfi_model, data = bfi), bfi_model, list(data = "bfi"))
cases$bfi_mlr_fiml <- describe(cfa(bfi_model, data = bfi, estimator = "MLR", missing = "ml"), bfi_model,
                               list(data = "bfi", estimator = "MLR", missing = "ml"), robust)

cases$mlm_groups_scalar <- describe(
  cfa(hs_model, data = hs, group = "school", group.equal = c("loadings", "intercepts"), estimator = "MLM"),
  hs_model, list(data = "hs", group = "school", group_equal = list("loadings", "intercepts"), estimator = "MLM"),
  robust)
cases$mlmv_groups_metric <- describe(
  cfa(hs_model, data = hs, group = "school", group.equal = "loadings", estimator = "MLMV"),
  hs_model, list(data = "hs", group = "school", group_equal = list("loadings"), estimator = "MLMV"),
  setdiff(robust, c("cfi.robust", "tli.robust", "rmsea.robust")))
cases$mlr_fiml_groups_scalar <- describe(
  cfa(hs_model, data = holes, group = "school", group.equal = c("loadings", "intercepts"), estimator = "MLR",
      missing = "ml"),
  hs_model, list(data = "holes", group = "school", group_equal = list("loadings", "intercepts"),
                 estimator = "MLR", missing = "ml"), robust)

mediation <- paste(hs_model, "textual ~ a*visual
speed ~ b*textual + visual
ab := a*b", sep = "\n")
cases$fiml_defined_mlr <- describe(sem(mediation, data = holes, estimator = "MLR", missing = "ml"), mediation,
                                   list(data = "holes", estimator = "MLR", missing = "ml"), robust)
ord_defined <- paste(hs_model, "textual ~ a*visual
speed ~ b*textual
ab := a*b
ratio := a / b", sep = "\n")
cases$ord_defined <- describe(sem(ord_defined, data = ho_school[xs], ordered = xs), ord_defined,
                              list(data = "ho_school", ordered = TRUE), ordinal)

# modindices(fit) of some cases (NA rows left out, as modindices() does)
modification_indices <- function(case) {
  c <- cases[[case]]
  a <- c$args
  call <- list(model = c$model, data = get(a$data), std.lv = isTRUE(a$std_lv), orthogonal = isTRUE(a$orthogonal),
               meanstructure = if (isTRUE(a$meanstructure)) TRUE else "default")
  if (!is.null(a$group)) call <- c(call, list(group = a$group, group.equal = unlist(a$group_equal)))
  if (!is.null(a$group_partial)) call$group.partial <- unlist(a$group_partial)
  if (isTRUE(a$ordered)) call$ordered <- xs
  if (!is.null(a$estimator)) call$estimator <- a$estimator
  mi <- as.data.frame(suppressWarnings(modindices(do.call("sem", call))))
  if (is.null(mi$group)) mi$group <- 1L
  list(lhs = mi$lhs, op = mi$op, rhs = mi$rhs, group = mi$group, mi = mi$mi, epc = mi$epc, sepc_lv = mi$sepc.lv,
       sepc_all = mi$sepc.all)
}
mi_cases <- c("groups_all_equal", "groups_regressions", "groups_labels_partial", "two_indicator", "lv_ov_cov",
              "path_rescov_mlr", "ord_binary_sem", "bfi_ml")
modindices_cases <- setNames(lapply(mi_cases, modification_indices), mi_cases)

# comparisons: as comparisons.R (qtukey stops at eps = 1e-4: invert ptukey tightly)
qtukey_tight <- function(p, k, df) {
  q0 <- qtukey(p, k, df)
  uniroot(function(q) ptukey(q, k, df) - p, c(q0 - 0.05, q0 + 0.05), tol = 1e-13)$root
}
groups <- local({
  g <- factor(ug$g); y <- ug$y; lv <- levels(g); k <- length(lv)
  ow <- oneway.test(y ~ g, var.equal = FALSE)
  pairs <- list()
  for (i in 1:(k - 1)) for (j in (i + 1):k) {
    a <- y[g == lv[i]]; b <- y[g == lv[j]]
    va <- var(a) / length(a); vb <- var(b) / length(b)
    se <- sqrt(va + vb)
    df <- (va + vb)^2 / (va^2 / (length(a) - 1) + vb^2 / (length(b) - 1))
    diff <- mean(b) - mean(a)
    crit <- qtukey_tight(0.95, k, df) / sqrt(2) * se
    pairs[[length(pairs) + 1]] <- list(group_a = lv[i], group_b = lv[j], diff = diff, se = se, df = df,
                                       p = ptukey(abs(diff) / se * sqrt(2), k, df, lower.tail = FALSE),
                                       ci_low = diff - crit, ci_high = diff + crit)
  }
  list(welch = list(f = unname(ow$statistic), df1 = unname(ow$parameter[1]), df2 = unname(ow$parameter[2]),
                    p = ow$p.value),
       pairs = pairs)
})

# a 2 x 2 table with one empty cell: v = 2 where both binary x1 and x2 are 2, else 1 (so x1 = 1, v = 2 never
# occurs). lavaan adds 0.5 to the empty cell keeping the margins (zero.add = c(0.5, 0), zero.keep.margins)
# and maximises the likelihood of that table over |rho| <= .999; its nlminb (from the Pearson correlation,
# with its Hessian) ends at the bound .999, which is not the maximum: the maximum is found here by
# optimize() of the same log-likelihood (lavaan:::pbinorm for the cell probabilities)
tetrachoric <- local({
  v <- ifelse(hb$x1 == 2 & hb$x2 == 2, 2L, 1L)
  freq <- unclass(table(hb$x1, v))
  zero <- which(freq == 0)
  sign <- if (zero %in% c(1, 4)) 1 else -1
  freq <- freq + sign * 0.5 * matrix(c(1, -1, -1, 1), 2)
  th1 <- qnorm(mean(hb$x1 == 1)); th2 <- qnorm(mean(v == 1))
  logl <- function(rho) {
    p11 <- lavaan:::pbinorm(th1, th2, rho)
    p <- matrix(c(p11, pnorm(th2) - p11, pnorm(th1) - p11, 1 - pnorm(th1) - pnorm(th2) + p11), 2)
    sum(freq * log(pmax(p, sqrt(.Machine$double.eps))))
  }
  best <- optimize(logl, c(-0.999, 0.999), maximum = TRUE, tol = 1e-12)$maximum
  lav <- suppressWarnings(lavCor(data.frame(x1 = hb$x1, v = v), ordered = c("x1", "v")))[2, 1]
  list(table = unclass(table(hb$x1, v)), rho = best, logl = logl(best), lavcor = lav, logl_lavcor = logl(lav))
})

# invariance by MLR and MLM: lavTestLRT of configural, metric (loadings) and scalar (loadings, intercepts)
# fits (its default for these tests: the Satorra-Bentler 2001 scaled difference), and cfi.robust of each
robust_invariance <- lapply(c(MLR = "MLR", MLM = "MLM"), function(est) {
  fits <- lapply(list("", "loadings", c("loadings", "intercepts")), function(eq)
    cfa(hs_model, data = hs, group = "school", group.equal = eq, estimator = est))
  lrt <- lavTestLRT(fits[[1]], fits[[2]], fits[[3]])
  list(chisq = lrt$Chisq, df = lrt$Df, chisq_diff = lrt[["Chisq diff"]], df_diff = lrt[["Df diff"]],
       pvalue = lrt[["Pr(>Chisq)"]], cfi_robust = sapply(fits, fitMeasures, "cfi.robust"),
       rmsea_robust = sapply(fits, fitMeasures, "rmsea.robust"), chisq_scaled = sapply(fits, fitMeasures, "chisq.scaled"))
})

# psych: alpha (pairwise, psych's default) on items with a negatively correlated item not reversed, and
# on items one of which is the sum of two others (a singular correlation matrix); omega with two
# group factors (psych sets the general loadings equal, with a message)
bfi_a <- bfi[paste0("A", 1:5)]
singular <- data.frame(bfi[c("A2", "A3", "A4")], S = bfi$A2 + bfi$A3)
alpha_case <- function(x) {
  a <- suppressWarnings(alpha(x, warnings = FALSE))
  list(items = names(x), raw_alpha = a$total$raw_alpha, std_alpha = a$total$std.alpha, g6 = a$total[["G6(smc)"]],
       average_r = a$total$average_r, alpha_drop = unname(a$alpha.drop$raw_alpha),
       g6_drop = unname(a$alpha.drop[["G6(smc)"]]), r_drop = unname(a$item.stats$r.drop),
       r_cor = unname(a$item.stats$r.cor))
}
om2 <- suppressWarnings(suppressMessages(omega(bfi[c(paste0("A", 1:5), paste0("C", 1:5))], nfactors = 2,
                                               plot = FALSE)))
psych_cases <- list(alpha_negative = alpha_case(bfi_a), alpha_singular = alpha_case(singular),
                    omega_two = list(items = c(paste0("A", 1:5), paste0("C", 1:5)), omega_h = om2$omega_h,
                                     omega_tot = om2$omega.tot))

# two proportions at the edges (a share of 0 or 1): prop.test(correct = FALSE) and each share's Wilson interval
proportions <- lapply(list(c(0, 15, 4, 20), c(12, 12, 7, 9), c(1, 3, 2, 2)), function(v) {
  t <- suppressWarnings(prop.test(v[c(1, 3)], v[c(2, 4)], correct = FALSE))
  w <- function(x, n) suppressWarnings(prop.test(x, n, correct = FALSE))$conf.int[1:2]
  list(x1 = v[1], n1 = v[2], x2 = v[3], n2 = v[4], chi2 = unname(t$statistic), p = t$p.value,
       ci = t$conf.int[1:2], wilson_1 = w(v[1], v[2]), wilson_2 = w(v[3], v[4]))
})

out <- list(lavaan = as.character(packageVersion("lavaan")), psych_version = as.character(packageVersion("psych")),
            R = paste(R.version$major, R.version$minor, sep = "."), cases = cases, modindices = modindices_cases,
            groups = groups, tetrachoric = tetrachoric, invariance = robust_invariance, psych = psych_cases,
            proportions = proportions)
write(toJSON(out, dataframe = "columns", auto_unbox = TRUE, digits = NA, na = "null", null = "null",
             pretty = FALSE), "heldout_round2.json")
