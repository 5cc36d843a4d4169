# Reference values for psych::alpha's item-total correlation raw.r with missing answers,
# as servq.analyze reports it (tests/measures/test_quality.py; issue 16).
# Run from this folder: Rscript alpha_missing.R
# Needs psych 2.2.9, jsonlite. Writes data/sq411_missing.csv and alpha_missing.json.
#
# psych::alpha (2.2.9) on raw data, for the items x of one scale:
#   total <- rowMeans(x, na.rm = TRUE)       # each respondent's mean over the items answered
#   raw.r <- cor(total, x, use = "pairwise")   # each item with it, over the rows that answered the item
# The other statistics come from cov(x, use = "pairwise").
#
# Data: the sq411 SERVQUAL perceptions (../data/servqual_perceptions_sq411.csv, columns
# a01-a22 on a 0-100 scale), with 15% of the answers blanked at random (set.seed(16)) and
# the four tangibles answers of the first five respondents blanked (respondents with no
# total for that dimension). alpha_missing.json holds psych::alpha of each dimension's
# items of that file: total, alpha.drop and item.stats.

suppressPackageStartupMessages({
  library(psych)
  library(jsonlite)
})

sq <- read.csv("../data/servqual_perceptions_sq411.csv")
items <- sprintf("a%02d", 1:22)
set.seed(16)
blank <- matrix(runif(nrow(sq) * length(items)) < 0.15, nrow(sq))
x <- sq
x[, items][blank] <- NA
x[1:5, items[1:4]] <- NA
write.csv(x, "data/sq411_missing.csv", row.names = FALSE, na = "")

dims <- list(tangibles = 1:4, reliability = 5:9, responsiveness = 10:13,
             assurance = 14:17, empathy = 18:22)
out <- list(file = "data/sq411_missing.csv", blank = sum(is.na(x[, items])))
for (d in names(dims)) {
  xd <- x[, items[dims[[d]]]]
  a <- psych::alpha(xd, warnings = FALSE)
  C <- cov(xd, use = "pairwise")
  out[[d]] <- list(items = items[dims[[d]]], total = as.list(a$total),
                   alpha_drop = lapply(as.list(a$alpha.drop), unname),
                   item_stats = lapply(as.list(a$item.stats), unname),
                   # what servq reported before: raw.r as if complete, from the covariance matrix
                   raw_r_from_cov = unname(colSums(C) / sqrt(diag(C) * sum(C))))
}
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, pretty = TRUE, null = "null"), "alpha_missing.json")
