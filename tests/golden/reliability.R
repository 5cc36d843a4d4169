# Reference values for tests/stats/test_reliability.py and tests/stats/test_validity.py.
# Run from this folder: Rscript reliability.R
# Needs psych 2.2.9, lavaan 0.6-14, semTools 0.5-6, jsonlite.
# Writes reliability.json, validity.json and (when absent) data/bfi.csv.
#
# reliability.json: psych::alpha on
#   - bfi agreeableness A1-A5 with A1 reversed (keys = "A1"), pairwise (psych's default)
#   - the same on na.omit(bfi[, 1:5])  (servq's use = "listwise")
#   - bfi conscientiousness C1-C5 with C4, C5 reversed, pairwise
#   - bfi A2, A3 only (psych's two-item branch) and A1-A3 with A1 reversed
#   - each SERVQUAL dimension of the sq411 data (no missing values), and all 22 items
#   - a small data set whose pairwise covariance matrix is not positive definite
#   - the tangibles covariance matrix with n.obs (psych's covariance-input branch)
# validity.json: the standardized solution of lavaan::cfa (default ML, marker loading)
#   for HolzingerSwineford1939 (visual, textual, speed) and the sq411 five dimensions,
#   item correlation matrices, semTools::htmt with htmt2 = FALSE (Henseler et al. 2015)
#   and htmt2 = TRUE (Roemer et al. 2021), and CR / AVE by hand from standardizedSolution:
#     CR_f  = (sum_i l_if)^2 / ((sum_i l_if)^2 + sum_i theta_ii)
#     AVE_f = sum_i l_if^2 / (sum_i l_if^2 + sum_i theta_ii)
#   over the items i loading on f (std.all loadings l, std.all residual variances theta).
#   semTools::compRelSEM(obs.var = FALSE) and semTools::AVE(obs.var = FALSE) weight items
#   by their raw variances, so they are stored for information only.

suppressPackageStartupMessages({
  library(psych)
  library(lavaan)
  library(semTools)
  library(jsonlite)
})

dir.create("data", showWarnings = FALSE)
if (!file.exists("data/bfi.csv")) write.csv(psych::bfi, "data/bfi.csv", row.names = FALSE)

alpha_case <- function(x, keys = NULL, n.obs = NULL) {
  a <- suppressWarnings(psych::alpha(x, keys = keys, n.obs = n.obs, warnings = FALSE))
  tot <- as.list(a$total)
  drop <- a$alpha.drop
  st <- a$item.stats
  list(
    total = tot,
    var_r = unname(a$var.r[[1]]),
    feldt = list(lower = a$feldt$lower.ci[[1]], upper = a$feldt$upper.ci[[1]]),
    duhachek = if (is.null(tot$ase)) NULL else
      list(lower = tot$raw_alpha - 1.96 * tot$ase, upper = tot$raw_alpha + 1.96 * tot$ase),
    items = colnames(x),
    alpha_drop = lapply(as.list(drop), unname),
    item_stats = lapply(as.list(st), unname)
  )
}

bfi <- psych::bfi
sq <- read.csv("../data/servqual_perceptions_sq411.csv")
dims <- list(tangibles = 1:4, reliability = 5:9, responsiveness = 10:13,
             assurance = 14:17, empathy = 18:22)
dim_items <- lapply(dims, function(ix) sprintf("a%02d", ix))

rel <- list(
  bfi_agree = c(alpha_case(bfi[, paste0("A", 1:5)], keys = "A1"), keys = list("A1")),
  bfi_agree_listwise = c(alpha_case(na.omit(bfi[, paste0("A", 1:5)]), keys = "A1"),
                         keys = list("A1")),
  bfi_consc = c(alpha_case(bfi[, paste0("C", 1:5)], keys = c("C4", "C5")),
                keys = list(c("C4", "C5"))),
  bfi_two = c(alpha_case(bfi[, c("A2", "A3")]), keys = list(character(0))),
  bfi_three = c(alpha_case(bfi[, c("A1", "A2", "A3")], keys = "A1"), keys = list("A1"))
)
for (d in names(dim_items)) {
  rel[[paste0("sq411_", d)]] <- c(alpha_case(sq[, dim_items[[d]]]), keys = list(character(0)))
}
tc <- cov(sq[, dim_items$tangibles])
# a pairwise covariance matrix that is not positive definite (pairs seen on disjoint rows)
a <- 1:10; e <- c(0, 1, -1, 0, 1, -1, 0, 1, -1, 0)
npd <- data.frame(p1 = c(a, rep(NA, 10), a), p2 = c(a + e, a, rep(NA, 10)),
                  p3 = c(rep(NA, 10), a + e, -a + e), p4 = c(a %% 4, (a + 1) %% 3, a %% 5))
rel$not_pd <- c(alpha_case(npd), keys = list(character(0)),
                data = list(unname(as.matrix(npd))),
                min_eigen = min(eigen(cov(npd, use = "pairwise"))$values))
rel$sq411_all <- c(alpha_case(sq[, unlist(dim_items)]), keys = list(character(0)))
rel$sq411_tangibles_cov <- c(alpha_case(tc, n.obs = nrow(sq)), keys = list(character(0)),
                             cov = list(unname(tc)), n = nrow(sq))
writeLines(toJSON(rel, digits = NA, auto_unbox = TRUE, pretty = TRUE, null = "null"),
           "reliability.json")

validity_case <- function(model, data, items, factors) {
  fit <- lavaan::cfa(model, data = data)
  ss <- lavaan::standardizedSolution(fit)
  lam <- matrix(0, length(items), length(factors), dimnames = list(items, factors))
  ld <- ss[ss$op == "=~", ]
  for (r in seq_len(nrow(ld))) lam[ld$rhs[r], ld$lhs[r]] <- ld$est.std[r]
  phi <- lavaan::lavInspect(fit, "std")$psi[factors, factors]
  theta <- setNames(sapply(items, function(i) ss$est.std[ss$op == "~~" & ss$lhs == i & ss$rhs == i]),
                    items)
  cr <- sapply(factors, function(f) {
    on <- lam[, f] != 0
    sum(lam[on, f])^2 / (sum(lam[on, f])^2 + sum(theta[on]))
  })
  ave <- sapply(factors, function(f) {
    on <- lam[, f] != 0
    sum(lam[on, f]^2) / (sum(lam[on, f]^2) + sum(theta[on]))
  })
  R <- cor(data[, items])
  h1 <- semTools::htmt(model, data = data, htmt2 = FALSE)
  h2 <- semTools::htmt(model, data = data, htmt2 = TRUE)
  list(
    items = items, factors = factors,
    loadings = unname(lam), factor_correlations = unname(unclass(phi)),
    residual_variances = unname(theta),
    cor = unname(R),
    cr = unname(cr), ave = unname(ave),
    htmt = unname(unclass(h1)[factors, factors]),
    htmt2 = unname(unclass(h2)[factors, factors]),
    semtools_compRelSEM_obs_var_false = unname(unlist(semTools::compRelSEM(fit, obs.var = FALSE))),
    semtools_AVE_obs_var_false = unname(unlist(semTools::AVE(fit, obs.var = FALSE)))
  )
}

hs_model <- "visual =~ x1 + x2 + x3
             textual =~ x4 + x5 + x6
             speed =~ x7 + x8 + x9"
sq_model <- paste(sprintf("%s =~ %s", names(dim_items),
                          sapply(dim_items, paste, collapse = " + ")), collapse = "\n")
val <- list(
  hs1939 = validity_case(hs_model, lavaan::HolzingerSwineford1939, paste0("x", 1:9),
                         c("visual", "textual", "speed")),
  sq411 = validity_case(sq_model, sq, unlist(dim_items, use.names = FALSE), names(dim_items))
)
writeLines(toJSON(val, digits = NA, auto_unbox = TRUE, pretty = TRUE, null = "null"),
           "validity.json")
