# Reference values for tests/measures/test_trends.py (servq analyze --period), base R only.
# Run from this folder: Rscript trends.R   (reads data/trends_servqual.csv, writes trends.json)
#
# data/trends_servqual.csv: servq simulate servqual --n 800 --seed 404 (dates over 2026).
# Scores by their definitions (DESIGN.md): an answer of 0 is "don't know" (missing); item gap
# = P - E where both are answered; a respondent's dimension gap = mean of the item gaps;
# unweighted SERVQUAL = mean of the five dimension gaps, for respondents with all five.
# Top-two box of overall_satisfaction (1-7): answer >= 6. NPS: promoters 9-10, detractors 0-6.
# Per quarter: n, mean, sd; change Q3 -> Q4: t.test(var.equal = FALSE), prop.test(correct =
# FALSE), NPS difference by hand (var(NPS/100) = (pP + pD - (pP - pD)^2) / n, z-test);
# X-bar chart: centre = mean of all scores, sigma = sqrt(sum((n-1) s^2) / sum(n-1)),
# limits centre +- 3 sigma / sqrt(n); p-chart: pbar = sum(x) / sum(n), limits pbar +-
# 3 sqrt(pbar (1 - pbar) / n), clipped to [0, 1] (Montgomery, Introduction to SQC).
library(jsonlite)

d <- read.csv("data/trends_servqual.csv", stringsAsFactors = FALSE)
dims <- list(tangibles = 1:4, reliability = 5:9, responsiveness = 10:13, assurance = 14:17, empathy = 18:22)
answer <- function(col) { x <- d[[col]]; x[!is.na(x) & x == 0] <- NA; x }
gap_dim <- sapply(dims, function(items) {
  g <- sapply(items, function(i) answer(paste0("P", i)) - answer(paste0("E", i)))
  rowMeans(g, na.rm = TRUE)  # NaN when no item gap
})
gap_dim[is.nan(gap_dim)] <- NA
servqual <- rowMeans(gap_dim)  # NA unless all five
month <- as.integer(substr(d$date, 6, 7))
quarter <- paste0(substr(d$date, 1, 4), "-Q", (month - 1) %/% 3 + 1)
sat <- d$overall_satisfaction
rec <- d$recommend
periods <- sort(unique(quarter))

per <- lapply(periods, function(q) {
  s <- servqual[quarter == q & !is.na(servqual)]
  y <- sat[quarter == q & !is.na(sat)]
  r <- rec[quarter == q & !is.na(rec)]
  list(label = q, n = sum(quarter == q), servqual_n = length(s), servqual_mean = mean(s), servqual_sd = sd(s),
       sat_mean = mean(y), topbox_x = sum(y >= 6), topbox_n = length(y),
       promoters = sum(r >= 9), passives = sum(r >= 7 & r <= 8), detractors = sum(r <= 6))
})
names(per) <- periods

last <- periods[length(periods)]
prev <- periods[length(periods) - 1]
welch <- function(v) {
  tt <- t.test(v[quarter == last], v[quarter == prev], var.equal = FALSE)
  list(diff = unname(tt$estimate[1] - tt$estimate[2]), ci_low = tt$conf.int[1], ci_high = tt$conf.int[2],
       p = tt$p.value)
}
prop <- function(x1, n1, x2, n2) {
  pt <- prop.test(c(x1, x2), c(n1, n2), correct = FALSE)
  list(diff = x1 / n1 - x2 / n2, ci_low = pt$conf.int[1], ci_high = pt$conf.int[2], p = pt$p.value)
}
nps <- function(a, b) {
  one <- function(p) { n <- p$promoters + p$passives + p$detractors; pp <- p$promoters / n; pd <- p$detractors / n
    c(100 * (pp - pd), 100 * sqrt((pp + pd - (pp - pd)^2) / n)) }
  x <- one(a); y <- one(b); se <- sqrt(x[2]^2 + y[2]^2); diff <- x[1] - y[1]
  list(diff = diff, ci_low = diff - qnorm(0.975) * se, ci_high = diff + qnorm(0.975) * se,
       p = 2 * pnorm(-abs(diff) / se))
}
change <- list(
  servqual = welch(servqual),
  satisfaction = welch(sat),
  topbox = prop(per[[last]]$topbox_x, per[[last]]$topbox_n, per[[prev]]$topbox_x, per[[prev]]$topbox_n),
  promoters = prop(per[[last]]$promoters, per[[last]]$promoters + per[[last]]$passives + per[[last]]$detractors,
                   per[[prev]]$promoters, per[[prev]]$promoters + per[[prev]]$passives + per[[prev]]$detractors),
  nps = nps(per[[last]], per[[prev]])
)

n <- sapply(per, `[[`, "servqual_n"); m <- sapply(per, `[[`, "servqual_mean"); s <- sapply(per, `[[`, "servqual_sd")
centre <- sum(n * m) / sum(n)
sigma <- sqrt(sum((n - 1) * s^2) / sum(n - 1))
xbar <- list(centre = centre, sigma = sigma, lcl = unname(centre - 3 * sigma / sqrt(n)),
             ucl = unname(centre + 3 * sigma / sqrt(n)))
x <- sapply(per, `[[`, "topbox_x"); nn <- sapply(per, `[[`, "topbox_n")
pbar <- sum(x) / sum(nn)
pchart <- list(centre = pbar, lcl = unname(pmax(pbar - 3 * sqrt(pbar * (1 - pbar) / nn), 0)),
               ucl = unname(pmin(pbar + 3 * sqrt(pbar * (1 - pbar) / nn), 1)))

write_json(list(periods = unname(per), from = prev, to = last, change = change, xbar = xbar, pchart = pchart),
           "trends.json", auto_unbox = TRUE, digits = NA, pretty = TRUE)
