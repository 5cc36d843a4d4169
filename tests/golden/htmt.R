# Reference values for the HTMT tests in tests/stats/test_validity.py (issue 16).
# Run from this folder: Rscript htmt.R
# Needs lavaan 0.6-14, semTools 0.5-6, psych 2.2.9 (for bfi), jsonlite. Writes htmt.json.
#
# semTools::htmt sets the diagonal of the item correlation matrix R to NA before it averages
# (diag(R) <- NA), so an item in two factors (a cross-loading) never adds its correlation
# of 1 with itself: the between-factor mean is over the pairs of different items, and a
# factor's within mean over its pairs of different items.
#
# htmt.json:
#   shared:        a 4 x 4 correlation matrix with item c in both factors (the example of
#                  issue 16) and a second model whose factors share two items;
#                  semTools::htmt(model, sample.cov = R)
#   cross_loading: lavaan::cfa of HolzingerSwineford1939 with x9 loading on visual and
#                  speed; std.all loadings, factor correlations, residual variances, CR and
#                  AVE by hand from standardizedSolution (as reliability.R), the item
#                  correlations and semTools::htmt(model, sample.cov = cor(items)) (its data
#                  path, lavCor on the data with x9 twice, stops: "sample covariance matrix
#                  is not positive-definite")
#   model_data:    semTools::htmt(model, data = bfi) for the agreeableness,
#                  conscientiousness and neuroticism items with their missing answers
#                  (listwise, semTools' default), and the number of complete rows

suppressPackageStartupMessages({
  library(lavaan)
  library(semTools)
  library(jsonlite)
})

both <- function(model, ...) {
  list(htmt = unname(unclass(semTools::htmt(model, ..., htmt2 = FALSE))),
       htmt2 = unname(unclass(semTools::htmt(model, ..., htmt2 = TRUE))))
}

R <- matrix(c(1, .5, .4, .3,
              .5, 1, .45, .35,
              .4, .45, 1, .5,
              .3, .35, .5, 1), 4, dimnames = list(letters[1:4], letters[1:4]))
shared <- list(
  cor = unname(R), items = letters[1:4],
  one = c(list(model = "f =~ a + b + c\ng =~ c + d", groups = list(f = c("a", "b", "c"), g = c("c", "d"))),
          both("f =~ a + b + c\ng =~ c + d", sample.cov = R)),
  two = c(list(model = "f =~ a + b + c + d\ng =~ c + d", groups = list(f = c("a", "b", "c", "d"), g = c("c", "d"))),
          both("f =~ a + b + c + d\ng =~ c + d", sample.cov = R))
)

hs <- lavaan::HolzingerSwineford1939
items <- paste0("x", 1:9)
factors <- c("visual", "textual", "speed")
model <- "visual =~ x1 + x2 + x3 + x9
textual =~ x4 + x5 + x6
speed =~ x7 + x8 + x9"
fit <- lavaan::cfa(model, data = hs)
ss <- lavaan::standardizedSolution(fit)
lam <- matrix(0, length(items), length(factors), dimnames = list(items, factors))
ld <- ss[ss$op == "=~", ]
for (r in seq_len(nrow(ld))) lam[ld$rhs[r], ld$lhs[r]] <- ld$est.std[r]
phi <- lavaan::lavInspect(fit, "std")$psi[factors, factors]
theta <- sapply(items, function(i) ss$est.std[ss$op == "~~" & ss$lhs == i & ss$rhs == i])
on <- function(f) lam[, f] != 0
cr <- sapply(factors, function(f) sum(lam[on(f), f])^2 / (sum(lam[on(f), f])^2 + sum(theta[on(f)])))
ave <- sapply(factors, function(f) sum(lam[on(f), f]^2) / (sum(lam[on(f), f]^2) + sum(theta[on(f)])))
C <- cor(hs[, items])
data_path <- tryCatch({ semTools::htmt(model, data = hs); "ran" }, error = function(e) conditionMessage(e))
cross_loading <- c(list(model = model, items = items, factors = factors, loadings = unname(lam),
                        factor_correlations = unname(unclass(phi)), residual_variances = unname(theta),
                        cor = unname(C), cr = unname(cr), ave = unname(ave), semtools_data_path = data_path),
                   both(model, sample.cov = C))

bfi <- psych::bfi
bfi_model <- "agree =~ A1 + A2 + A3 + A4 + A5
consc =~ C1 + C2 + C3 + C4 + C5
neuro =~ N1 + N2 + N3 + N4 + N5"
bfi_items <- c(paste0("A", 1:5), paste0("C", 1:5), paste0("N", 1:5))
model_data <- c(list(model = bfi_model, factors = c("agree", "consc", "neuro"),
                     complete_rows = sum(complete.cases(bfi[, bfi_items])), rows = nrow(bfi)),
                both(bfi_model, data = bfi))

writeLines(toJSON(list(shared = shared, cross_loading = cross_loading, model_data = model_data),
                  digits = NA, auto_unbox = TRUE, pretty = TRUE, null = "null"),
           "htmt.json")
