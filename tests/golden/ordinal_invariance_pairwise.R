# Reference values for tests/measures/test_quality.py::test_ordinal_invariance_with_blank_answers_is_lavaans_pairwise,
# computed with lavaan 0.6-14: the ordinal invariance sequence (configural -> thresholds ->
# thresholds + loadings, WLSMV) of the Holzinger-Swineford items cut into 3-5 categories, by school,
# with blank answers, missing = "pairwise" (what `servq analyze --ordinal --invariance school` sums).
# Run from this folder: Rscript ordinal_invariance_pairwise.R   (writes ordinal_invariance_pairwise.json
# and, when absent, data/hs_ordinal_school_holes.csv: data/hs_ordinal_school.csv with x1 blank on
# every 9th row, x5 on every 7th from row 3, x8 on every 11th from row 5 and x2 on every 13th from row 2).
suppressMessages({library(lavaan); library(jsonlite)})
holes <- "data/hs_ordinal_school_holes.csv"
if (!file.exists(holes)) {
  d <- read.csv("data/hs_ordinal_school.csv")
  n <- nrow(d)
  d$x1[seq(9, n, by = 9)] <- NA
  d$x5[seq(3, n, by = 7)] <- NA
  d$x8[seq(5, n, by = 11)] <- NA
  d$x2[seq(2, n, by = 13)] <- NA
  write.csv(d, holes, row.names = FALSE, na = "")
}
d <- read.csv(holes)
items <- paste0("x", 1:9)
model <- "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9"
fit <- function(equal) cfa(model, d, ordered = items, estimator = "WLSMV", missing = "pairwise",
                           group = "school", group.equal = equal)
fits <- list(configural = fit(""), thresholds = fit("thresholds"), loadings = fit(c("thresholds", "loadings")))
keys <- c("chisq", "df", "chisq.scaled", "cfi.scaled", "rmsea.scaled")
out <- list(model = model, items = items, group = "school",
            nobs = setNames(as.list(lavInspect(fits$configural, "nobs")), lavInspect(fits$configural, "group.label")),
            fit = lapply(fits, function(f) as.list(fitMeasures(f, keys))), lrt = list())
for (step in list(c("configural", "thresholds"), c("thresholds", "loadings"))) {
  t <- lavTestLRT(fits[[step[1]]], fits[[step[2]]])
  out$lrt[[step[2]]] <- list(chisq_diff = t[["Chisq diff"]][2], df_diff = t[["Df diff"]][2], pvalue = t[["Pr(>Chisq)"]][2])
}
writeLines(toJSON(out, auto_unbox = TRUE, digits = NA, pretty = TRUE), "ordinal_invariance_pairwise.json")
