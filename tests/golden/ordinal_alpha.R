# Reference values for servq.analyze(..., ordinal=True): each dimension's ordinal alpha,
# coefficient alpha of its items' polychoric correlations (Zumbo, Gadermann & Zeisser 2007),
# the polychoric correlations lavaan's two-step estimates with pairwise-present rows; and the
# ordinal CFA of the five dimensions by DWLS from those pairwise statistics.
# Run from this folder: Rscript ordinal_alpha.R   (needs lavaan 0.6-14, psych 2.2.9, jsonlite)
# Data: data/sq411_missing.csv (alpha_missing.R: the sq411 perceptions with 15% blanks).

suppressPackageStartupMessages({
  library(lavaan)
  library(psych)
  library(jsonlite)
})

x <- read.csv("data/sq411_missing.csv")
items <- sprintf("a%02d", 1:22)
dims <- list(tangibles = 1:4, reliability = 5:9, responsiveness = 10:13,
             assurance = 14:17, empathy = 18:22)
out <- list(file = "data/sq411_missing.csv")
for (d in names(dims)) {
  xd <- x[, items[dims[[d]]]]
  R <- lavCor(xd, ordered = names(xd), missing = "pairwise")
  a <- psych::alpha(unclass(R), warnings = FALSE)
  out[[d]] <- list(items = items[dims[[d]]], polychoric = unname(unclass(R)),
                   ordinal_alpha = a$total$raw_alpha, std_alpha = a$total$std.alpha)
}
model <- paste(sprintf("%s =~ %s", names(dims),
                       sapply(dims, function(i) paste(items[i], collapse = " + "))), collapse = "\n")
fit <- cfa(model, x, ordered = items, estimator = "DWLS", missing = "pairwise")
std <- standardizedSolution(fit)
out$cfa <- list(model = model, nobs = lavInspect(fit, "nobs"),
                fit = as.list(fitMeasures(fit, c("chisq", "df", "cfi", "tli", "rmsea", "srmr"))),
                loadings = std[std$op == "=~", c("lhs", "rhs", "est.std")],
                factor_cor = std[std$op == "~~" & std$lhs != std$rhs & std$lhs %in% names(dims), c("lhs", "rhs", "est.std")])
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, pretty = TRUE), "ordinal_alpha.json")
