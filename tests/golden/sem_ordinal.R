# Reference values for tests/stats/test_sem_ordinal.py (issue 16, deliverable 1): the ordinal
# CFA of lavaan 0.6-14, cfa(model, data, ordered = items, estimator = "WLSMV" / "DWLS").
# Run from this folder: Rscript sem_ordinal.R   (writes sem_ordinal.json)
#
# Data: data/hs_ordinal.csv (HolzingerSwineford1939 x1-x9 cut into 3-5 categories, written
# by polychoric.R); model: the three-factor CFA (visual, textual, speed); lavaan's defaults
# (parameterization = "delta", std.lv = FALSE, thresholds free).
# For each estimator (and WLSMV with std.lv = TRUE): parameterEstimates(fit, standardized = TRUE)
# (lhs, op, rhs, est, se, std.lv, std.all, free) and fitMeasures
# (chisq, df, chisq.scaled, df.scaled, cfi.scaled, tli.scaled, rmsea.scaled, srmr, ...).
# Case wlsmv_rescov: the model with the residual covariances x2 ~~ x6 and x1 ~~ x9 (all items
# ordered), whose std.all lavaan gives as residual correlations (cov.std = TRUE: divided by
# the residual SDs, not by the unit SDs of the latent responses).
suppressPackageStartupMessages({library(lavaan); library(jsonlite)})

hs <- read.csv("data/hs_ordinal.csv")
hs_model <- "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9"
items <- paste0("x", 1:9)
measures <- c("npar", "fmin", "chisq", "df", "pvalue", "chisq.scaled", "df.scaled", "pvalue.scaled",
              "chisq.scaling.factor", "baseline.chisq", "baseline.df", "baseline.chisq.scaled",
              "baseline.df.scaled", "cfi", "tli", "rmsea", "cfi.scaled", "tli.scaled", "rmsea.scaled",
              "srmr")

# modindices(fit): every candidate lavaan lists (NA rows left out, as modindices() does)
modification_indices <- function(fit) {
  mi <- as.data.frame(modindices(fit))
  list(lhs = mi$lhs, op = mi$op, rhs = mi$rhs, mi = mi$mi, epc = mi$epc, sepc_lv = mi$sepc.lv, sepc_all = mi$sepc.all)
}

case <- function(estimator, std.lv = FALSE, model = hs_model) {
  fit <- cfa(model, data = hs, ordered = items, estimator = estimator, std.lv = std.lv)
  pe <- parameterEstimates(fit, ci = FALSE, remove.nonfree = FALSE, standardized = TRUE)
  pt <- parTable(fit)
  fm <- fitMeasures(fit)
  keep <- intersect(measures, names(fm))
  list(estimator = estimator, model = model, n = lavInspect(fit, "nobs"),
       test = lavInspect(fit, "options")$test, se = lavInspect(fit, "options")$se,
       pe = list(lhs = pe$lhs, op = pe$op, rhs = pe$rhs, est = pe$est, se = pe$se, std_lv = pe$std.lv,
                 std_all = pe$std.all,
                 free = pt$free[match(paste(pe$lhs, pe$op, pe$rhs), paste(pt$lhs, pt$op, pt$rhs))]),
       fit = as.list(setNames(unname(as.numeric(fm[keep])), keep)),
       mi = modification_indices(fit))
}

defined_model <- paste("visual =~ x1 + a*x2 + b*x3", "textual =~ x4 + x5 + x6", "speed =~ x7 + x8 + x9",
                       "textual ~ c*visual", "ab := a*b", "rel := a/b", "ind := c*a", sep = "\n")
out <- list(lavaan = as.character(packageVersion("lavaan")), model = hs_model, items = items,
            wlsmv = case("WLSMV"), dwls = case("DWLS"),
            wlsmv_std_lv = case("WLSMV", std.lv = TRUE),
            wlsmv_rescov = case("WLSMV", model = paste0(hs_model, "\nx2 ~~ x6\nx1 ~~ x9")),
            # := defined parameters with a latent regression: delta-method SEs from the robust
            # (WLSMV) and the standard (DWLS) covariance of the estimates
            wlsmv_defined = case("WLSMV", model = defined_model), dwls_defined = case("DWLS", model = defined_model))
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, pretty = TRUE), "sem_ordinal.json")
