# Reference values for tests/stats/test_comparisons.py, computed with base R only.
# Run from this folder: Rscript comparisons.R   (writes comparisons.json and data/PlantGrowth.csv,
# data/InsectSprays.csv)
#
# Cases: PlantGrowth (weight ~ group), InsectSprays (count ~ spray), and sq411 (outcome sat,
# tests/data/servqual_perceptions_sq411.csv) grouped two ways: rows cut into 4 blocks
# (cut(seq_len(411), 4)) and the levels of item a01.
# - Welch ANOVA: oneway.test(y ~ g, var.equal = FALSE)
# - omega^2 (classic, from the one-way ANOVA table of aov): (SSB - (k-1) MSW) / (SST + MSW)
# - omega^2 from the Welch F (Carroll & Nordholm 1975): df1 (F - 1) / (df1 (F - 1) + N)
# - Games-Howell by hand with ptukey, critical value by inverting ptukey (as
#   rstatix::games_howell_test, which uses qtukey)
# - pairwise Welch t: t.test(var.equal = FALSE) per pair; pairwise.t.test(pool.sd = FALSE,
#   p.adjust.method = "none" | "holm" | "BH")
# - Hedges' g: pooled-SD d times the exact J(m) = gamma(m/2) / (sqrt(m/2) gamma((m-1)/2)),
#   m = n1 + n2 - 2
# - two proportions: prop.test(c(x1, x2), c(n1, n2), correct = FALSE)
# - NPS difference: by hand, var(NPS/100) = (pP + pD - (pP - pD)^2) / n
library(jsonlite)

sq <- read.csv("../data/servqual_perceptions_sq411.csv")
write.csv(PlantGrowth, "data/PlantGrowth.csv", row.names = FALSE)
write.csv(InsectSprays, "data/InsectSprays.csv", row.names = FALSE)

cases <- list(
  plantgrowth = list(y = PlantGrowth$weight, g = PlantGrowth$group),
  insectsprays = list(y = InsectSprays$count, g = InsectSprays$spray),
  sq411_rows = list(y = sq$sat, g = cut(seq_len(nrow(sq)), 4, labels = paste0("g", 1:4))),
  sq411_a01 = list(y = sq$sat, g = factor(sq$a01))
)

# qtukey is accurate to about 1e-4 only (it stops at eps = 0.0001): invert ptukey tightly instead
qtukey_tight <- function(p, k, df) {
  q0 <- qtukey(p, k, df)
  uniroot(function(q) ptukey(q, k, df) - p, c(q0 - 0.01, q0 + 0.01), tol = 1e-13)$root
}

hedges_j <- function(m) gamma(m / 2) / (sqrt(m / 2) * gamma((m - 1) / 2))

one_case <- function(y, g) {
  g <- droplevels(factor(g))
  lv <- levels(g)
  k <- length(lv)
  n <- as.vector(tapply(y, g, length)); m <- as.vector(tapply(y, g, mean))
  s <- as.vector(tapply(y, g, sd)); N <- sum(n)
  ow <- oneway.test(y ~ g, var.equal = FALSE)
  tab <- summary(aov(y ~ g))[[1]]
  ssb <- tab[1, "Sum Sq"]; ssw <- tab[2, "Sum Sq"]; msw <- tab[2, "Mean Sq"]
  f <- unname(ow$statistic)
  pairs <- list()
  for (i in 1:(k - 1)) for (j in (i + 1):k) {
    a <- y[g == lv[i]]; b <- y[g == lv[j]]
    tt <- t.test(b, a, var.equal = FALSE)  # difference = mean_b - mean_a
    va <- var(a) / length(a); vb <- var(b) / length(b)
    se <- sqrt(va + vb)
    df <- (va + vb)^2 / (va^2 / (length(a) - 1) + vb^2 / (length(b) - 1))
    diff <- mean(b) - mean(a)
    q <- abs(diff) / se * sqrt(2)
    crit <- qtukey_tight(0.95, k, df) / sqrt(2) * se
    mm <- length(a) + length(b) - 2
    sp <- sqrt(((length(a) - 1) * var(a) + (length(b) - 1) * var(b)) / mm)
    pairs[[length(pairs) + 1]] <- list(
      group_a = lv[i], group_b = lv[j], diff = diff, se = se, t = unname(tt$statistic),
      df = unname(tt$parameter), p = tt$p.value, ci_low = tt$conf.int[1], ci_high = tt$conf.int[2],
      gh_p = ptukey(q, k, df, lower.tail = FALSE), gh_ci_low = diff - crit, gh_ci_high = diff + crit,
      cohen_d = diff / sp, hedges_g = diff / sp * hedges_j(mm))
  }
  pw <- function(method) {
    pm <- pairwise.t.test(y, g, pool.sd = FALSE, p.adjust.method = method)$p.value
    # pm[j - 1, i] holds the pair (lv[i], lv[j]); read it in the pair order i < j
    out <- c()
    for (i in 1:(k - 1)) for (j in (i + 1):k) out <- c(out, pm[lv[j], lv[i]])
    out
  }
  list(labels = lv, n = n, mean = m, sd = s,
       welch = list(f = f, df1 = unname(ow$parameter[1]), df2 = unname(ow$parameter[2]),
                    p = ow$p.value),
       omega_sq = (ssb - (k - 1) * msw) / (ssb + ssw + msw),
       omega_sq_welch = (k - 1) * (f - 1) / ((k - 1) * (f - 1) + N),
       pairs = pairs, p_none = pw("none"), p_holm = pw("holm"), p_bh = pw("BH"))
}

out <- lapply(cases, function(cs) one_case(cs$y, cs$g))

p_vec <- c(0.01, 0.02, 0.03, 0.04, 0.05, 0.5, 0.001, 0.2, 0.04, 0.9)
out$p_adjust <- list(p = p_vec, holm = p.adjust(p_vec, "holm"), BH = p.adjust(p_vec, "BH"),
                     bonferroni = p.adjust(p_vec, "bonferroni"))

props <- list(c(15, 40, 25, 60), c(226 + 115, 411, 30, 100), c(3, 10, 9, 10), c(0, 20, 5, 25))
out$two_proportions <- lapply(props, function(v) {
  pt <- prop.test(c(v[1], v[3]), c(v[2], v[4]), correct = FALSE)
  list(x1 = v[1], n1 = v[2], x2 = v[3], n2 = v[4], chi2 = unname(pt$statistic), p = pt$p.value,
       share_1 = unname(pt$estimate[1]), share_2 = unname(pt$estimate[2]),
       ci_low = pt$conf.int[1], ci_high = pt$conf.int[2])
})

nps_cases <- list(list(a = c(50, 30, 20), b = c(30, 40, 30)), list(a = c(12, 5, 3), b = c(40, 60, 100)))
out$nps_difference <- lapply(nps_cases, function(cs) {
  one <- function(v) { n <- sum(v); pp <- v[1] / n; pd <- v[3] / n
    c(nps = 100 * (pp - pd), var = 1e4 * (pp + pd - (pp - pd)^2) / n) }
  a <- one(cs$a); b <- one(cs$b)
  diff <- a[["nps"]] - b[["nps"]]; se <- sqrt(a[["var"]] + b[["var"]]); z <- qnorm(0.975)
  list(a = cs$a, b = cs$b, nps_a = a[["nps"]], nps_b = b[["nps"]], diff = diff, se = se,
       ci_low = diff - z * se, ci_high = diff + z * se, p = 2 * pnorm(-abs(diff / se)))
})

writeLines(toJSON(out, auto_unbox = TRUE, digits = NA, pretty = TRUE), "comparisons.json")
