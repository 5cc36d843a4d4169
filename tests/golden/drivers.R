# Reference values for tests/stats/test_drivers.py (servq.stats.drivers).
# Run from this folder: Rscript drivers.R
# Needs jsonlite. relaimpo is not packaged for this system (no r-cran-relaimpo), so LMG is
# computed by brute force: the increase in R^2 (from lm) when each predictor enters, averaged
# over all p! orders of entry. Relative weights by hand (Johnson 2000) from the
# eigendecomposition of the predictor correlation matrix. VIF by auxiliary regressions
# 1 / (1 - R^2_j); condition number sqrt(lambda_max / lambda_min) of the predictor
# correlation matrix. Listwise-complete rows (lm's na.omit).
# Writes drivers.json with cases
#   sq411:        sat ~ the five SERVQUAL dimension means (a01-a04, a05-a09, a10-a13,
#                 a14-a17, a18-a22) of ../data/servqual_perceptions_sq411.csv
#   ecsi:         sat1 ~ qual1 + ... + qual5 of data/ecsi_bank250.csv
#   ecsi_missing: the same with qual2 set missing in rows seq(3, 250, 7) and sat1 in rows
#                 seq(5, 250, 11) (1-based)

suppressPackageStartupMessages(library(jsonlite))

relweights <- function(d, y, x) {
  R <- cor(d[, c(y, x)])
  rxx <- R[x, x]; rxy <- R[x, y]
  e <- eigen(rxx)
  lambda <- e$vectors %*% diag(sqrt(e$values)) %*% t(e$vectors)
  beta <- solve(lambda, rxy)
  rw <- as.vector(lambda^2 %*% beta^2)
  names(rw) <- x
  rw
}

r2 <- function(d, y, x) {
  if (length(x) == 0) return(0)
  summary(lm(reformulate(x, y), data = d))$r.squared
}

permutations <- function(v) {
  if (length(v) == 1) return(list(v))
  out <- list()
  for (i in seq_along(v)) for (rest in permutations(v[-i])) out[[length(out) + 1]] <- c(v[i], rest)
  out
}

lmg_brute <- function(d, y, x) {
  total <- setNames(numeric(length(x)), x)
  orders <- permutations(x)
  for (o in orders) {
    before <- 0
    for (k in seq_along(o)) {
      now <- r2(d, y, o[1:k])
      total[o[k]] <- total[o[k]] + now - before
      before <- now
    }
  }
  total / length(orders)
}

case <- function(d, y, x) {
  d <- na.omit(d[, c(y, x)])
  rxx <- cor(d[, x])
  ev <- eigen(rxx, symmetric = TRUE, only.values = TRUE)$values
  vif <- sapply(x, function(v) 1 / (1 - r2(d, v, setdiff(x, v))))
  rw <- relweights(d, y, x)
  total <- r2(d, y, x)
  list(outcome = y, predictors = x, n = nrow(d), r2 = total,
       adj_r2 = summary(lm(reformulate(x, y), data = d))$adj.r.squared,
       relative_weight = unname(rw), relative_weight_pct = unname(100 * rw / total),
       lmg = unname(lmg_brute(d, y, x)), vif = unname(vif),
       condition_number = sqrt(max(ev) / min(ev)))
}

sq <- read.csv("../data/servqual_perceptions_sq411.csv")
dims <- list(tangibles = 1:4, reliability = 5:9, responsiveness = 10:13,
             assurance = 14:17, empathy = 18:22)
for (dname in names(dims)) sq[[dname]] <- rowMeans(sq[, sprintf("a%02d", dims[[dname]])])

ecsi <- read.csv("data/ecsi_bank250.csv")
quals <- paste0("qual", 1:5)
ecsi_na <- ecsi
ecsi_na$qual2[seq(3, 250, 7)] <- NA
ecsi_na$sat1[seq(5, 250, 11)] <- NA

out <- list(sq411 = case(sq, "sat", names(dims)),
            ecsi = case(ecsi, "sat1", quals),
            ecsi_missing = case(ecsi_na, "sat1", quals))
write(toJSON(out, digits = NA, auto_unbox = TRUE, pretty = TRUE), "drivers.json")
