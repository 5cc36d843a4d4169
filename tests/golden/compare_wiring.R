# Reference values for tests/measures/test_compare.py and tests/stats/test_studentized_range.py,
# computed with base R only (and jsonlite). Run from this folder:
#   Rscript compare_wiring.R      (writes compare_wiring.json)
#
# Data: data/compare_sim.csv = servq.simulate("servqual", 300, seed=4, branches=4,
# dont_know=0.0) without the date column (blank cells are missing answers).
# Per respondent, computed here from the items (not from servq):
# - dimension gap = mean of the respondent's item gaps P_i - E_i over items with both answered
#   (tangibles 1-4, reliability 5-9, responsiveness 10-13, assurance 14-17, empathy 18-22);
# - unweighted SERVQUAL = mean of the five dimension gaps, for respondents with all five;
# - outcomes overall_satisfaction and intention_to_return (1-7) as answered.
# For each segment column (branch, channel) and measure:
# - Welch ANOVA: oneway.test(y ~ g, var.equal = FALSE); omega^2 from summary(aov(y ~ g))
# - Games-Howell by formula (ptukey; critical value by inverting ptukey tightly)
# - pairwise.t.test(y, g, pool.sd = FALSE, p.adjust.method = "holm" | "BH") and each pair's
#   Welch t.test interval; Hedges' g with the exact J
# Top-two box (answer >= 6 on 1-7): prop.test(c(x_b, x_a), c(n_b, n_a), correct = FALSE)
# per pair, p.adjust(holm | BH).
# NPS of recommend (0-10): promoters 9-10, detractors 0-6; difference b - a, SE from the
# multinomial, z-test, p.adjust(holm | BH).
# Studentized range: ptukey(q, k, df, lower.tail = FALSE) on a grid, and the 0.95 quantile
# by uniroot on ptukey (qtukey stops at eps = 1e-4).
library(jsonlite)

d <- read.csv("data/compare_sim.csv", na.strings = c("", "NA"), stringsAsFactors = FALSE, encoding = "UTF-8")
dims <- list(tangibles = 1:4, reliability = 5:9, responsiveness = 10:13, assurance = 14:17,
             empathy = 18:22)
gap_of <- function(items) {
  g <- as.matrix(d[paste0("P", items)]) - as.matrix(d[paste0("E", items)])
  m <- rowMeans(g, na.rm = TRUE)
  m[is.nan(m)] <- NA
  m
}
gaps <- sapply(dims, gap_of)
measures <- c(lapply(names(dims), function(k) gaps[, k]),
              list(rowMeans(gaps)),  # NA unless all five are present
              list(d$overall_satisfaction, d$intention_to_return))
names(measures) <- c(names(dims), "unweighted", "overall_satisfaction", "intention_to_return")

qtukey_tight <- function(p, k, df) {
  q0 <- qtukey(p, k, df)
  uniroot(function(q) ptukey(q, k, df) - p, c(q0 - 0.01, q0 + 0.01), tol = 1e-13)$root
}
hedges_j <- function(m) gamma(m / 2) / (sqrt(m / 2) * gamma((m - 1) / 2))
pair_list <- function(lv) {
  out <- list()
  for (i in 1:(length(lv) - 1)) for (j in (i + 1):length(lv)) out[[length(out) + 1]] <- c(lv[i], lv[j])
  out
}

mean_case <- function(y, g) {
  ok <- !is.na(y) & !is.na(g)
  y <- y[ok]; g <- g[ok]
  lv <- sort(unique(g), method = "radix")
  g <- factor(g, levels = lv)
  k <- length(lv)
  ow <- oneway.test(y ~ g, var.equal = FALSE)
  tab <- summary(aov(y ~ g))[[1]]
  ssb <- tab[1, "Sum Sq"]; ssw <- tab[2, "Sum Sq"]; msw <- tab[2, "Mean Sq"]
  pw <- function(method) {
    pm <- pairwise.t.test(y, g, pool.sd = FALSE, p.adjust.method = method)$p.value
    sapply(pair_list(lv), function(p) pm[p[2], p[1]])
  }
  pairs <- lapply(pair_list(lv), function(p) {
    a <- y[g == p[1]]; b <- y[g == p[2]]
    va <- var(a) / length(a); vb <- var(b) / length(b)
    se <- sqrt(va + vb)
    df <- (va + vb)^2 / (va^2 / (length(a) - 1) + vb^2 / (length(b) - 1))
    diff <- mean(b) - mean(a)
    crit <- qtukey_tight(0.95, k, df) / sqrt(2) * se
    tt <- t.test(b, a, var.equal = FALSE)
    mm <- length(a) + length(b) - 2
    sp <- sqrt(((length(a) - 1) * var(a) + (length(b) - 1) * var(b)) / mm)
    list(a = p[1], b = p[2], n_a = length(a), n_b = length(b), diff = diff, df = df,
         gh_p = ptukey(abs(diff) / se * sqrt(2), k, df, lower.tail = FALSE),
         gh_ci_low = diff - crit, gh_ci_high = diff + crit,
         welch_ci_low = tt$conf.int[1], welch_ci_high = tt$conf.int[2],
         hedges_g = diff / sp * hedges_j(mm))
  })
  list(groups = lv, n = as.vector(table(g)), mean = as.vector(tapply(y, g, mean)),
       f = unname(ow$statistic), df1 = unname(ow$parameter[1]), df2 = unname(ow$parameter[2]),
       p = ow$p.value, omega_sq = (ssb - (k - 1) * msw) / (ssb + ssw + msw),
       pairs = pairs, welch_holm = pw("holm"), welch_bh = pw("BH"))
}

top_box_case <- function(y, g) {
  ok <- !is.na(y) & !is.na(g)
  y <- y[ok]; g <- g[ok]
  lv <- sort(unique(g), method = "radix")
  x <- sapply(lv, function(v) sum(y[g == v] >= 6)); n <- sapply(lv, function(v) sum(g == v))
  pl <- pair_list(lv)
  pt <- lapply(pl, function(p) prop.test(c(x[p[2]], x[p[1]]), c(n[p[2]], n[p[1]]), correct = FALSE))
  p <- sapply(pt, function(r) r$p.value)
  list(groups = lv, count = unname(x), n = unname(n),
       pairs = lapply(seq_along(pl), function(i) list(
         a = pl[[i]][1], b = pl[[i]][2], chi2 = unname(pt[[i]]$statistic), p = p[i],
         ci_low = pt[[i]]$conf.int[1], ci_high = pt[[i]]$conf.int[2])),
       p_holm = p.adjust(p, "holm"), p_bh = p.adjust(p, "BH"))
}

nps_case <- function(y, g) {
  ok <- !is.na(y) & !is.na(g)
  y <- y[ok]; g <- g[ok]
  lv <- sort(unique(g), method = "radix")
  st <- lapply(lv, function(v) {
    r <- y[g == v]; n <- length(r); pp <- mean(r >= 9); pd <- mean(r <= 6)
    list(n = n, promoters = sum(r >= 9), detractors = sum(r <= 6), nps = 100 * (pp - pd),
         se = 100 * sqrt((pp + pd - (pp - pd)^2) / n), sd = sd(100 * ((r >= 9) - (r <= 6))))
  })
  names(st) <- lv
  pl <- pair_list(lv)
  pairs <- lapply(pl, function(p) {
    a <- st[[p[1]]]; b <- st[[p[2]]]
    diff <- b$nps - a$nps; se <- sqrt(a$se^2 + b$se^2)
    mm <- a$n + b$n - 2
    sp <- sqrt(((a$n - 1) * a$sd^2 + (b$n - 1) * b$sd^2) / mm)
    list(a = p[1], b = p[2], diff = diff, se = se, p = 2 * pnorm(-abs(diff) / se),
         ci_low = diff - qnorm(0.975) * se, ci_high = diff + qnorm(0.975) * se,
         hedges_g = diff / sp * hedges_j(mm))
  })
  p <- sapply(pairs, function(r) r$p)
  list(groups = lv, segments = unname(st), pairs = pairs,
       p_holm = p.adjust(p, "holm"), p_bh = p.adjust(p, "BH"))
}

out <- list()
for (col in c("branch", "channel")) {
  g <- d[[col]]
  out[[col]] <- list(
    means = lapply(measures, function(y) mean_case(y, g)),
    top_box = list(overall_satisfaction = top_box_case(d$overall_satisfaction, g),
                   intention_to_return = top_box_case(d$intention_to_return, g)),
    nps = list(recommend = nps_case(d$recommend, g)))
}

grid <- expand.grid(q = c(0.5, 2, 3.5, 5, 7.5), k = c(2, 3, 4, 6, 12, 20),
                    df = c(2, 3.5, 5, 17.128, 60, 400, 5000))
grid$sf <- mapply(function(q, k, df) ptukey(q, k, df, lower.tail = FALSE), grid$q, grid$k, grid$df)
qgrid <- expand.grid(k = c(2, 3, 4, 6, 12, 20), df = c(3, 5, 17.128, 60, 400, 5000))
qgrid$q95 <- mapply(function(k, df) qtukey_tight(0.95, k, df), qgrid$k, qgrid$df)
out$studentized_range <- list(sf = grid, q95 = qgrid)

writeLines(toJSON(out, auto_unbox = TRUE, digits = NA, pretty = TRUE), "compare_wiring.json")
