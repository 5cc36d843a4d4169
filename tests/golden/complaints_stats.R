# Reference values for tests/stats/test_spikes.py, tests/stats/test_lagcorr.py and
# tests/complaints/test_analytics.py (servq.stats.spikes, servq.stats.lagcorr and the
# intervals of servq.complaints.analytics), base R only.
# Run from this folder: Rscript complaints_stats.R   (writes complaints_stats.json, inputs included)
#
# Poisson spikes: baseline k = 4 weeks; with exposures f (share of the week observed),
# rate = sum(x[t-k..t-1]) / sum(f[t-k..t-1]), expected e = rate * f[t];
# p = ppois(x - 1, e, lower.tail = FALSE); adjusted over the cells of each week with
# p.adjust (holm, bonferroni); ucl = the smallest u with ppois(u, e, lower.tail = FALSE) < alpha.
# EWMA (Montgomery, Introduction to SQC, 8th ed., 9.2): mu0 = mean of the first k weeks,
# z_t = lambda x_t + (1 - lambda) z_{t-1}, z_0 = mu0, limits mu0 +- L sqrt(mu0)
# sqrt(lambda / (2 - lambda) (1 - (1 - lambda)^(2t))), t = 1 at week k + 1, LCL clipped at 0.
# Lagged correlation: the metric of day d - L against the complaints of day d, pairs matched
# by date; cor.test (Pearson); p.adjust(holm) over the lags; strongest = largest |r|.
library(jsonlite)

set.seed(6)
lambda <- c(3, 10, 0.5, 40)
weeks <- 16
k <- 4
alpha <- 0.05
counts <- t(sapply(lambda, function(l) rpois(weeks, l)))
counts[2, 12] <- counts[2, 12] + 15
counts[4, 14] <- counts[4, 14] + 30
exposure <- c(3 / 7, rep(1, weeks - 2), 4 / 7)

expected <- matrix(NA_real_, nrow(counts), weeks)
for (t in (k + 1):weeks) {
  idx <- (t - k):(t - 1)
  expected[, t] <- rowSums(counts[, idx, drop = FALSE]) / sum(exposure[idx]) * exposure[t]
}
p <- ifelse(is.na(expected), NA, ppois(counts - 1, expected, lower.tail = FALSE))
adjust <- function(method) {
  out <- p
  for (t in 1:weeks) if (any(!is.na(p[, t]))) out[, t] <- p.adjust(p[, t], method)
  out
}
ucl <- matrix(NA_real_, nrow(counts), weeks)
for (i in seq_len(nrow(counts))) for (t in (k + 1):weeks) {
  u <- 0
  while (ppois(u, expected[i, t], lower.tail = FALSE) >= alpha) u <- u + 1
  ucl[i, t] <- u
}
# a plain one-cell example without exposures: baseline 2, 1, 3, 2 then 9
plain <- list(x = 9, expected = 2, p = ppois(8, 2, lower.tail = FALSE), ucl = qpois(0.95, 2))

lam <- 0.2; L <- 3
mu0 <- rowMeans(counts[, 1:k])
z <- matrix(NA_real_, nrow(counts), weeks)
prev <- mu0
for (t in (k + 1):weeks) { prev <- lam * counts[, t] + (1 - lam) * prev; z[, t] <- prev }
step <- c(rep(NA, k), 1:(weeks - k))
half <- outer(L * sqrt(mu0), sqrt(lam / (2 - lam) * (1 - (1 - lam)^(2 * step))))
ewma <- list(lambda = lam, L = L, baseline_weeks = k, centre = mu0, z = z, ucl = sweep(half, 1, mu0, "+"),
             lcl = pmax(sweep(-half, 1, mu0, "+"), 0))

set.seed(7)
days <- seq(as.Date("2026-03-01"), by = "day", length.out = 90)
m <- 2 + sin(seq_along(days) / 5) + rnorm(90, sd = 0.4)
y <- rpois(90, 4 + 3 * c(rep(mean(m), 3), m[1:87]))  # complaints follow the metric 3 days later
keep <- sort(sample(90, 80))                           # 10 days without a metric row
metric <- data.frame(date = days[keep], value = m[keep])
metric$value[c(5, 40, 41)] <- NA                       # and 3 rows with a blank value
complaints <- data.frame(date = days, count = y)
lags <- lapply(0:14, function(lag) {
  mm <- metric[!is.na(metric$value), ]
  mm$date <- mm$date + lag
  both <- merge(mm, complaints, by = "date")
  ct <- cor.test(both$value, both$count)
  list(lag = lag, n = nrow(both), r = unname(ct$estimate), p = ct$p.value)
})
p_lag <- sapply(lags, `[[`, "p")
r_lag <- sapply(lags, `[[`, "r")
lagcorr <- list(lags = lags, p_holm = p.adjust(p_lag, "holm"), p_bonferroni = p.adjust(p_lag, "bonferroni"),
                strongest_abs = which.max(abs(r_lag)) - 1,
                strongest_positive = which.max(ifelse(r_lag > 0, r_lag, -Inf)) - 1)

# intervals used by the complaints block
pois <- lapply(c(0, 1, 4, 6, 7, 25), function(x) list(x = x, ci = poisson.test(x)$conf.int[1:2]))
wilson <- lapply(list(c(6, 9), c(4, 6), c(3, 5), c(2, 3), c(4, 6), c(0, 5)), function(v)
  list(x = v[1], n = v[2], ci = prop.test(v[1], v[2], correct = FALSE)$conf.int[1:2]))

write_json(list(
  spikes = list(counts = counts, exposure = exposure, baseline_weeks = k, alpha = alpha, expected = expected, p = p,
                p_holm = adjust("holm"), p_bonferroni = adjust("bonferroni"), ucl = ucl, plain = plain),
  ewma = ewma,
  lagcorr = list(metric = list(date = format(metric$date), value = metric$value),
                 complaints = list(date = format(complaints$date), count = complaints$count), result = lagcorr),
  poisson_test = pois, prop_test = wilson
), "complaints_stats.json", auto_unbox = TRUE, digits = NA, pretty = TRUE, na = "null")
