# Reference values for tests/stats/test_sem_ordinal_groups.py: the multi-group ordinal CFA of
# lavaan 0.6-14, cfa(model, data, ordered = items, estimator = "WLSMV" / "DWLS", group = "school",
# group.equal = ..., group.partial = ...), and lavTestLRT between the invariance steps.
# Run from this folder: Rscript sem_ordinal_groups.R   (writes sem_ordinal_groups.json)
#
# Data: data/hs_ordinal.csv (HolzingerSwineford1939 x1-x9 cut into 3-5 categories, written by
# polychoric.R, rows in the order of lavaan's data set) with lavaan's `school` as the group,
# written to data/hs_ordinal_school.csv; model: the three-factor CFA (visual, textual, speed);
# lavaan's defaults (parameterization = "delta", std.lv = FALSE; one case with std.lv = TRUE).
# For each case: parameterEstimates(fit, standardized = TRUE) (lhs, op, rhs, group, est, se,
# std.lv, std.all, free) and fitMeasures. For the sequences configural -> thresholds -> thresholds +
# loadings (WLSMV): lavTestLRT(...) (its default for scaled.shifted: method "satorra.2000",
# scaled.shifted = TRUE, A.method = "delta", H1 = TRUE) and cfi.scaled of each step.
# rescov: equal thresholds with the residual covariances x2 ~~ x6 and x1 ~~ x9, whose std.all
# lavaan gives as residual correlations in each group (cov.std = TRUE).
suppressPackageStartupMessages({library(lavaan); library(jsonlite)})

hs <- read.csv("data/hs_ordinal.csv")
hs$school <- as.character(HolzingerSwineford1939$school)
write.csv(hs, "data/hs_ordinal_school.csv", row.names = FALSE)
hs_model <- "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9"
items <- paste0("x", 1:9)
measures <- c("npar", "fmin", "chisq", "df", "pvalue", "chisq.scaled", "df.scaled", "pvalue.scaled",
              "chisq.scaling.factor", "chisq.shift.parameters", "baseline.chisq", "baseline.df",
              "baseline.chisq.scaled", "baseline.df.scaled", "cfi", "tli", "rmsea", "cfi.scaled",
              "tli.scaled", "rmsea.scaled", "srmr")

fit_case <- function(estimator = "WLSMV", equal = character(0), partial = character(0), std.lv = FALSE,
                     model = hs_model) {
  cfa(model, data = hs, ordered = items, estimator = estimator, group = "school", std.lv = std.lv,
      group.equal = if (length(equal)) equal else "", group.partial = if (length(partial)) partial else "")
}

record <- function(fit, estimator, equal = character(0), partial = character(0)) {
  pe <- parameterEstimates(fit, ci = FALSE, remove.nonfree = FALSE, standardized = TRUE)
  pt <- parTable(fit)
  key <- function(d) paste(d$lhs, d$op, d$rhs, d$group)
  fm <- fitMeasures(fit)
  keep <- intersect(measures, names(fm))
  list(estimator = estimator, group_equal = equal, group_partial = partial,
       n = lavInspect(fit, "nobs"), groups = lavInspect(fit, "group.label"),
       pe = list(lhs = pe$lhs, op = pe$op, rhs = pe$rhs, group = pe$group, est = pe$est, se = pe$se,
                 std_lv = pe$std.lv, std_all = pe$std.all, free = pt$free[match(key(pe), key(pt))]),
       fit = as.list(setNames(unname(as.numeric(fm[keep])), keep)))
}

steps <- list(configural = character(0), thresholds = "thresholds",
              loadings = c("thresholds", "loadings"),
              intercepts = c("thresholds", "loadings", "intercepts"))
fits <- lapply(steps, function(eq) fit_case("WLSMV", eq))
cases <- mapply(function(f, eq) record(f, "WLSMV", eq), fits, steps, SIMPLIFY = FALSE)
partial <- c("x1|t2", "visual =~ x2")
cases$partial <- record(fit_case("WLSMV", c("thresholds", "loadings"), partial), "WLSMV",
                        c("thresholds", "loadings"), partial)
cases$dwls_loadings <- record(fit_case("DWLS", c("thresholds", "loadings")), "DWLS", c("thresholds", "loadings"))
# std.lv = TRUE: with equal loadings lavaan frees the later groups' factor variances
cases$std_lv <- record(fit_case("WLSMV", c("thresholds", "loadings"), std.lv = TRUE), "WLSMV", c("thresholds", "loadings"))

rescov_model <- paste0(hs_model, "\nx2 ~~ x6\nx1 ~~ x9")
rescov <- c(list(model = rescov_model),
            record(fit_case("WLSMV", "thresholds", model = rescov_model), "WLSMV", "thresholds"))

lrt <- function(f0, f1) {
  t <- lavTestLRT(f0, f1)
  list(chisq = t[["Chisq"]], df = t[["Df"]], chisq_diff = t[["Chisq diff"]][2],
       df_diff = t[["Df diff"]][2], pvalue = t[["Pr(>Chisq)"]][2])
}
tests <- list(thresholds = lrt(fits$configural, fits$thresholds),
              loadings = lrt(fits$thresholds, fits$loadings),
              loadings_vs_configural = lrt(fits$configural, fits$loadings))
cfi <- sapply(fits[c("configural", "thresholds", "loadings")], function(f) fitMeasures(f, "cfi.scaled"))

out <- list(lavaan = as.character(packageVersion("lavaan")), model = hs_model, items = items,
            group = "school", cases = cases, rescov = rescov, lrt = tests, cfi_scaled = as.list(cfi))
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, pretty = TRUE), "sem_ordinal_groups.json")
