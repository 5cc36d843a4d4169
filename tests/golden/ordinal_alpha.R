# Reference values for servq.analyze(..., ordinal=True): each dimension's ordinal alpha,
# coefficient alpha of its items' polychoric correlations (Zumbo, Gadermann & Zeisser 2007),
# the polychoric correlations lavaan's two-step estimates with pairwise-present rows; and the
# ordinal CFA of the five dimensions by DWLS from those pairwise statistics, and by WLSMV
# (robust SEs, scaled χ² and indices: the NACOV of the pairwise statistics, servq's second pass).
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
wlsmv <- cfa(model, x, ordered = items, estimator = "WLSMV", missing = "pairwise")
pe <- parameterEstimates(wlsmv)
out$cfa_wlsmv <- list(nobs = lavInspect(wlsmv, "nobs"),
                      fit = as.list(fitMeasures(wlsmv, c("chisq", "df", "chisq.scaled", "df.scaled", "pvalue.scaled",
                                                          "chisq.scaling.factor", "cfi.scaled", "tli.scaled",
                                                          "rmsea.scaled", "srmr"))),
                      loadings = pe[pe$op == "=~", c("lhs", "rhs", "est", "se")])
# a smaller model on some of the items, in another order: servq takes its rows and columns of
# the full second pass's cross-products
sub_model <- "tangibles =~ a04 + a02 + a01\nempathy =~ a20 + a18 + a19"
sub <- cfa(sub_model, x, ordered = c("a04", "a02", "a01", "a20", "a18", "a19"), estimator = "WLSMV",
           missing = "pairwise")
pe <- parameterEstimates(sub)
out$sub_wlsmv <- list(model = sub_model, nobs = lavInspect(sub, "nobs"),
                      fit = as.list(fitMeasures(sub, c("chisq", "df", "chisq.scaled", "cfi.scaled", "rmsea.scaled"))),
                      est = pe$est[pe$op == "=~"], se = pe$se[pe$op == "=~"])
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, pretty = TRUE), "ordinal_alpha.json")
