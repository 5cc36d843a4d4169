# Reference values for tests/stats/test_polychoric.py (issue 16, deliverables 1 and 5):
# the sample statistics of an ordinal CFA with estimator = "WLSMV" (lavaan 0.6-14).
# Run from this folder: Rscript polychoric.R   (writes polychoric.json; writes
# data/hs_ordinal.csv when it is absent)
#
# Data:
#   hs:  lavaan's HolzingerSwineford1939 x1-x9 cut at their sample quantiles into 3, 4 or 5
#        ordered categories (codes 1..K), written to data/hs_ordinal.csv so R and Python read
#        the same file; model: the three-factor CFA (visual, textual, speed).
#   bfi: psych's bfi items A1-A5, C1-C5, N1-N5 (6 categories), complete cases
#        (tests/golden/data/bfi.csv); model: three factors A, C, N. Several of its 6 x 6
#        tables have empty cells (lavaan adds nothing to them: zero.add = c(0.5, 0)).
#   bfi_pairwise: the same 15 items with their missing answers, missing = "pairwise"
#        (thresholds from each item's answers, a correlation from the rows answering both).
#
# For each case, from cfa(model, data, ordered = items, estimator = "WLSMV"):
#   th:     lavInspect(fit, "sampstat")$th      (thresholds, item by item)
#   cor:    lavInspect(fit, "sampstat")$cov     (polychoric correlations)
#   gamma:  lavInspect(fit, "gamma")            (NACOV: N x asymptotic covariance of
#           (thresholds, vech of the correlations below the diagonal, column by column))
#   wls_v:  diag(lavInspect(fit, "wls.v"))      (1 / diag(gamma) for DWLS / WLSMV)
#   lavcor_th, lavcor_cor: lavCor(data, ordered = items, output = "th" / "cor")
suppressPackageStartupMessages({library(lavaan); library(jsonlite)})

dir.create("data", showWarnings = FALSE)
if (!file.exists("data/hs_ordinal.csv")) {
  hs <- read.csv("data/HolzingerSwineford1939.csv")[, paste0("x", 1:9)]
  k <- c(3, 4, 5, 3, 4, 5, 3, 4, 5)
  cut_q <- function(x, k) {
    br <- unique(quantile(x, probs = seq(0, 1, length.out = k + 1), type = 7))
    as.integer(cut(x, breaks = br, include.lowest = TRUE, labels = FALSE))
  }
  out <- as.data.frame(mapply(cut_q, hs, k))
  write.csv(out, "data/hs_ordinal.csv", row.names = FALSE)
}

mat <- function(m) unname(lapply(seq_len(nrow(m)), function(i) unname(as.numeric(m[i, ]))))

wlsmv_case <- function(data, model, missing = "listwise") {
  items <- colnames(data)
  fit <- cfa(model, data = data, ordered = items, estimator = "WLSMV", missing = missing)
  ss <- lavInspect(fit, "sampstat")
  lc_args <- list(object = data, ordered = items, missing = missing)
  list(items = items, n = lavInspect(fit, "nobs"), model = model, missing = missing,
       zero_add = lavInspect(fit, "options")$zero.add,
       th = unname(as.numeric(ss$th)), th_names = names(ss$th),
       cor = mat(unclass(ss$cov)),
       gamma = mat(lavInspect(fit, "gamma")),
       wls_v = unname(diag(lavInspect(fit, "wls.v"))),
       lavcor_th = unname(as.numeric(do.call(lavCor, c(lc_args, output = "th")))),
       lavcor_cor = mat(unclass(do.call(lavCor, c(lc_args, output = "cor")))))
}

hs <- read.csv("data/hs_ordinal.csv")
bfi <- read.csv("data/bfi.csv")[, c(paste0("A", 1:5), paste0("C", 1:5), paste0("N", 1:5))]
bfi_model <- "A =~ A1 + A2 + A3 + A4 + A5\nC =~ C1 + C2 + C3 + C4 + C5\nN =~ N1 + N2 + N3 + N4 + N5"
hs_model <- "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9"

out <- list(
  lavaan = as.character(packageVersion("lavaan")),
  hs = wlsmv_case(hs, hs_model),
  bfi = wlsmv_case(bfi[complete.cases(bfi), ], bfi_model),
  bfi_pairwise = wlsmv_case(bfi, bfi_model, missing = "pairwise")
)
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, null = "null"), "polychoric.json")
