# Reference values for tests/measures/test_quality.py::test_ordinal_invariance_merges_categories_a_group_never_chose,
# computed with lavaan 0.6-14: the ordinal invariance sequence (configural -> thresholds ->
# thresholds + loadings, WLSMV) of the Holzinger-Swineford items cut into 3-5 categories, by school,
# where some school never chose a category: lavaan refuses such data ("some categories of variable
# ... are empty in group ..."), so the categories are merged first as servq merges them
# (servq.stats.polychoric.shared_categories), by hand here:
#   x3: Pasteur never chose 5 (an end) -> 5 joins 4;
#   x6: Grant-White never chose 1 (an end) -> 1 joins 2;
#   x9: Pasteur never chose 3 (in between) -> 3 joins its neighbour with fewer answers over both
#       schools: 4 (60 answers) rather than 2 (92).
# Run from this folder: Rscript ordinal_invariance_merged.R   (writes ordinal_invariance_merged.json
# and, when absent, data/hs_ordinal_school_sparse.csv: data/hs_ordinal_school.csv with Pasteur's
# 5s of x3 made 4s, Grant-White's 1s of x6 made 2s and Pasteur's 3s of x9 made 2s).
suppressMessages({library(lavaan); library(jsonlite)})
sparse <- "data/hs_ordinal_school_sparse.csv"
if (!file.exists(sparse)) {
  d <- read.csv("data/hs_ordinal_school.csv")
  p <- d$school == "Pasteur"
  d$x3[p & d$x3 == 5] <- 4
  d$x6[!p & d$x6 == 1] <- 2
  d$x9[p & d$x9 == 3] <- 2
  write.csv(d, sparse, row.names = FALSE, na = "")
}
d <- read.csv(sparse)
stopifnot(inherits(try(cfa("f =~ x1 + x3 + x9", d, ordered = TRUE, group = "school"), silent = TRUE), "try-error"))
merged <- d
merged$x3[merged$x3 == 5] <- 4
merged$x6[merged$x6 == 1] <- 2
merged$x9[merged$x9 == 3] <- 4
items <- paste0("x", 1:9)
model <- "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9"
fit <- function(equal) cfa(model, merged, ordered = items, estimator = "WLSMV", group = "school", group.equal = equal)
fits <- list(configural = fit(""), thresholds = fit("thresholds"), loadings = fit(c("thresholds", "loadings")))
keys <- c("chisq", "df", "chisq.scaled", "cfi.scaled", "rmsea.scaled")
out <- list(model = model, items = items, group = "school", merged = list(x3 = list(c(4, 5)), x6 = list(c(1, 2)), x9 = list(c(3, 4))),
            nobs = setNames(as.list(lavInspect(fits$configural, "nobs")), lavInspect(fits$configural, "group.label")),
            fit = lapply(fits, function(f) as.list(fitMeasures(f, keys))), lrt = list())
for (step in list(c("configural", "thresholds"), c("thresholds", "loadings"))) {
  t <- lavTestLRT(fits[[step[1]]], fits[[step[2]]])
  out$lrt[[step[2]]] <- list(chisq_diff = t[["Chisq diff"]][2], df_diff = t[["Df diff"]][2], pvalue = t[["Pr(>Chisq)"]][2])
}
writeLines(toJSON(out, auto_unbox = TRUE, digits = NA, pretty = TRUE), "ordinal_invariance_merged.json")
