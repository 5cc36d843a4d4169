# Reference values for tests/test_golden.py, computed with base R.
# Run from this folder: Rscript scores.R   (writes scores_sq411.csv and scores_mini.csv)
# sq411: SERVQUAL perceptions of 411 customers (Bliemel et al. 2004, data set SQ in cSEM),
# items a01-a22 on 0-100; dimensions tangibles 1-4, reliability 5-9, responsiveness 10-13,
# assurance 14-17, empathy 18-22. No missing values.

summ <- function(level, id, measure, x) {
  x <- x[!is.na(x)]
  n <- length(x)
  ci <- if (n > 1) t.test(x)$conf.int else c(NA, NA)
  data.frame(level = level, id = id, measure = measure, mean = mean(x),
             sd = if (n > 1) sd(x) else NA, n = n, ci_low = ci[1], ci_high = ci[2])
}

sq <- read.csv("../data/servqual_perceptions_sq411.csv")
dims <- list(tangibles = 1:4, reliability = 5:9, responsiveness = 10:13,
             assurance = 14:17, empathy = 18:22)
out <- list()
for (i in 1:22) out[[length(out) + 1]] <- summ("item", i, "perception", sq[[sprintf("a%02d", i)]])
dim_scores <- sapply(dims, function(ix) rowMeans(sq[, sprintf("a%02d", ix)]))
for (d in names(dims)) out[[length(out) + 1]] <- summ("dimension", d, "perception", dim_scores[, d])
out[[length(out) + 1]] <- summ("servperf", "servperf", "perception", rowMeans(dim_scores))
out[[length(out) + 1]] <- summ("outcome", "sat", "score", sq$sat)
write.csv(do.call(rbind, out), "scores_sq411.csv", row.names = FALSE)

# mini: the hand-computed example (tests/data/mini.csv); 9 = don't know, item 2 reverse-keyed
m <- read.csv("../data/mini.csv")
for (v in c("E1", "E2", "E3", "P1", "P2", "P3")) m[[v]][m[[v]] %in% 9] <- NA
m$E2 <- 6 - m$E2; m$P2 <- 6 - m$P2
g <- sapply(1:3, function(i) m[[paste0("P", i)]] - m[[paste0("E", i)]])
gap_a <- apply(g[, 1:2, drop = FALSE], 1, function(r) if (all(is.na(r))) NA else mean(r, na.rm = TRUE))
gap_b <- g[, 3]
both <- !is.na(gap_a) & !is.na(gap_b)
unweighted <- ifelse(both, (gap_a + gap_b) / 2, NA)
wa <- m$W_a; wb <- m$W_b
alloc <- !(is.na(wa) & is.na(wb))
wa[alloc & is.na(wa)] <- 0; wb[alloc & is.na(wb)] <- 0
weighted <- ifelse(both & alloc, wa / 100 * gap_a + wb / 100 * gap_b, NA)
rec <- m$rec
nps <- ifelse(rec >= 9, 100, ifelse(rec <= 6, -100, 0))
out <- list(
  summ("dimension", "a", "gap", gap_a), summ("dimension", "b", "gap", gap_b),
  summ("servqual", "unweighted", "gap", unweighted), summ("servqual", "weighted", "gap", weighted),
  summ("nps", "rec", "nps", nps))
res <- do.call(rbind, out)
p <- prop.test(sum(rec >= 9), length(rec), correct = FALSE)$conf.int
res <- rbind(res, data.frame(level = "nps", id = "rec", measure = "promoters", mean = mean(rec >= 9),
                             sd = NA, n = length(rec), ci_low = p[1], ci_high = p[2]))
write.csv(res, "scores_mini.csv", row.names = FALSE)
