# Reference values of servq.stats.spikes.share_spikes: each cell's count against its share of
# the previous k weeks' complaints, binom.test(alternative = "greater"), Holm within a week,
# the binomial upper limit qbinom(1 - alpha, N_t, share). Output: spikes_share.json.
library(jsonlite)
x <- rbind(c(4, 6, 5, 7, 5, 6, 14, 10, 3),
           c(10, 12, 9, 11, 13, 22, 12, 20, 8),
           c(1, 0, 2, 1, 0, 1, 2, 9, 1),
           c(20, 18, 25, 22, 19, 40, 21, 38, 20))
k <- 3; alpha <- 0.05
weeks <- ncol(x); cells <- nrow(x)
p <- matrix(NA, cells, weeks); padj <- p; expected <- p; ucl <- p
for (t in (k + 1):weeks) {
  base <- rowSums(x[, (t - k):(t - 1), drop = FALSE])
  share <- base / sum(base)
  n <- sum(x[, t])
  for (c in 1:cells) {
    expected[c, t] <- share[c] * n
    p[c, t] <- if (x[c, t] == 0) 1 else binom.test(x[c, t], n, share[c], alternative = "greater")$p.value
    ucl[c, t] <- qbinom(1 - alpha, n, share[c])
  }
  padj[, t] <- p.adjust(p[, t], "holm")
}
cat(toJSON(list(counts = x, k = k, expected = expected, p = p, p_adjusted = padj, ucl = ucl),
           digits = I(15), na = "null"), file = "spikes_share.json")
