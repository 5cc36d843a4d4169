# Reference values for tests/measures/test_levels.py (servq.measures.levels: the paired
# level difference S - P and the competitor advantage P - C).
# Run from this folder: Rscript levels.R   (writes levels.json)
# Needs jsonlite. Base R only for the statistics.
#
# Data (simulated with servq, stored so R and servq read the same rows):
#   data/levels_customer_focus.csv  servq simulate customer-focus -n 240 --seed 41 --missing 0.08
#   data/benchmark_servperf.csv     servq simulate servperf-benchmark -n 240 --seed 42 --missing 0.06
# Answers are 1-7; 0 is the scale's "don't know" code and, like a blank, is missing.
#
# Item: t.test(x, y, paired = TRUE) on the respondents who answered the item in both parts.
# Dimension: a respondent's two dimension scores are the means over the dimension's items
# that the respondent answered in BOTH parts (so their difference is the mean of the
# respondent's item differences, servq's definition); respondents with no such item are
# left out; then t.test(x, y, paired = TRUE). Holm: p.adjust(p, "holm") over the
# dimensions, and separately over the items.

suppressPackageStartupMessages(library(jsonlite))

dims <- list(
  levels = list(proximity = 1:4, competence = 5:8, technology = 9:12),
  benchmark = list(tangibles = 1:4, reliability = 5:9, responsiveness = 10:13,
                   assurance = 14:17, empathy = 18:22)
)

answers <- function(d, prefix, items) {
  m <- as.matrix(d[, paste0(prefix, items)])
  m[!is.na(m) & m == 0] <- NA  # don't know
  m
}

paired <- function(x, y) {
  tt <- t.test(x, y, paired = TRUE, conf.level = 0.95)
  d <- x - y
  list(n = length(d), mean = unname(tt$estimate), sd = sd(d), t = unname(tt$statistic),
       df = unname(tt$parameter), p = tt$p.value, ci_low = tt$conf.int[1], ci_high = tt$conf.int[2])
}

case <- function(file, a, b, dims) {
  d <- read.csv(file)
  items <- sort(unlist(dims))
  A <- answers(d, a, items)
  B <- answers(d, b, items)
  item_rows <- lapply(seq_along(items), function(j) {
    ok <- !is.na(A[, j]) & !is.na(B[, j])
    c(list(id = items[j]), paired(A[ok, j], B[ok, j]))
  })
  dim_rows <- lapply(names(dims), function(name) {
    cols <- match(dims[[name]], items)
    a <- A[, cols, drop = FALSE]
    b <- B[, cols, drop = FALSE]
    both <- !is.na(a) & !is.na(b)
    a[!both] <- NA
    b[!both] <- NA
    keep <- rowSums(both) > 0
    c(list(id = name), paired(rowMeans(a[keep, , drop = FALSE], na.rm = TRUE),
                              rowMeans(b[keep, , drop = FALSE], na.rm = TRUE)))
  })
  holm <- function(rows) {
    p <- p.adjust(sapply(rows, `[[`, "p"), "holm")
    Map(function(r, q) c(r, list(p_holm = q)), rows, p)
  }
  list(dimensions = holm(dim_rows), items = holm(item_rows))
}

out <- list(
  levels = case("data/levels_customer_focus.csv", "S", "P", dims$levels),
  benchmark = case("data/benchmark_servperf.csv", "P", "C", dims$benchmark),
  r_version = R.version.string
)
writeLines(toJSON(out, auto_unbox = TRUE, digits = NA, pretty = TRUE), "levels.json")
