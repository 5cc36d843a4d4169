# Reference values for tests/stats/test_sem_blocks.py: the ordinal invariance sequence
# (configural -> thresholds -> thresholds + loadings, WLSMV, parameterization = "delta") across
# six groups, computed with lavaan 0.6-14. Six groups make servq's part-by-part fit and tests
# (servq.stats.sem.blocks) split the configural model into six parts and join them in the
# constrained ones; the other ordinal golden files have two groups.
# Run from this folder: Rscript ordinal_many_groups.R   (writes ordinal_many_groups.json and, when
# absent, data/ordinal_six_groups.csv: 6 groups x 250 simulated respondents, 8 items in 4
# categories on two correlated factors; group f loads x6 more weakly, group e has higher
# thresholds on x2, so not every step holds; "partial" frees the loading of x6).
suppressMessages({library(lavaan); library(jsonlite)})
path <- "data/ordinal_six_groups.csv"
if (!file.exists(path)) {
  set.seed(20261208)
  groups <- letters[1:6]
  rows <- lapply(groups, function(g) {
    n <- 250
    f <- MASS::mvrnorm(n, c(0, 0), matrix(c(1, 0.4, 0.4, 1), 2))
    lam <- c(0.8, 0.7, 0.75, 0.6, 0.8, if (g == "f") 0.35 else 0.7, 0.65, 0.75)
    ystar <- cbind(f[, 1] %o% lam[1:4], f[, 2] %o% lam[5:8])[, 1:8] + matrix(rnorm(n * 8, sd = 0.6), n)
    cuts <- c(-1, 0, 1)
    codes <- sapply(1:8, function(j) findInterval(ystar[, j], if (g == "e" && j == 2) cuts + 0.5 else cuts) + 1)
    colnames(codes) <- paste0("x", 1:8)
    data.frame(g = g, codes)
  })
  write.csv(do.call(rbind, rows), path, row.names = FALSE)
}
d <- read.csv(path)
items <- paste0("x", 1:8)
model <- "f1 =~ x1 + x2 + x3 + x4\nf2 =~ x5 + x6 + x7 + x8"
fit <- function(equal, partial = character(0))
  cfa(model, d, ordered = items, estimator = "WLSMV", group = "g", group.equal = equal, group.partial = partial)
fits <- list(configural = fit(""), thresholds = fit("thresholds"), loadings = fit(c("thresholds", "loadings")),
             partial = fit(c("thresholds", "loadings"), "f2 =~ x6"))
keys <- c("chisq", "df", "chisq.scaled", "df.scaled", "chisq.scaling.factor",
          "cfi.scaled", "tli.scaled", "rmsea.scaled", "baseline.chisq.scaled", "srmr")
est <- function(f) {
  p <- parameterEstimates(f, standardized = TRUE)
  p <- p[p$op %in% c("=~", "|", "~~", "~*~", "~1"), ]
  list(lhs = p$lhs, op = p$op, rhs = p$rhs, group = p$group, est = p$est, se = p$se, std_all = p$std.all)
}
out <- list(model = model, items = items, group = "g",
            fit = lapply(fits, function(f) as.list(fitMeasures(f, keys))),
            estimates = list(loadings = est(fits$loadings), partial = est(fits$partial)), lrt = list())
for (step in list(c("configural", "thresholds"), c("thresholds", "loadings"), c("thresholds", "partial"))) {
  t <- lavTestLRT(fits[[step[1]]], fits[[step[2]]])
  out$lrt[[step[2]]] <- list(chisq_diff = t[["Chisq diff"]][2], df_diff = t[["Df diff"]][2], pvalue = t[["Pr(>Chisq)"]][2])
}
writeLines(toJSON(out, auto_unbox = TRUE, digits = NA, pretty = TRUE), "ordinal_many_groups.json")
