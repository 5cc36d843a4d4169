# Reference values for tests/stats/test_polyserial.py and tests/stats/test_sem_mixed.py:
# polyserial correlations and the CFA of mixed ordered and continuous items, lavaan 0.6-14
# (cfa(model, data, ordered = <some items>, estimator = "WLSMV" / "DWLS")).
# Run from this folder: Rscript sem_mixed.R   (writes sem_mixed.json)
#
# Data: HolzingerSwineford1939 x1-x9 (data/HolzingerSwineford1939.csv, continuous) with the
# items named in `ord` replaced by their cut versions from data/hs_ordinal.csv (3-5
# categories, written by polychoric.R).
#   polyserial: lavaan's two-step polyserial correlation of a continuous x and an ordinal y
#     (lav_bvmix_cor_twostep_fit) and its case-wise scores (lav_bvmix_cor_scores: columns
#     dx.mu.y1, dx.var.y1, dx.th.y2 (one per threshold), dx.rho), for several pairs.
#   lavcor: lavCor(d, ordered = ord) (polychoric / polyserial / Pearson correlations).
#   mix_a: visual =~ x1 + x2 + x3; textual =~ x4 + x5 + x6, ordered x1, x3, x5 (both kinds
#     on each factor): WLSMV (with wls.obs, diag(wls.v) and gamma), DWLS, ULSMV (W = I).
#   mix_b: visual =~ x1 + x2 + x3 (ordered); speed =~ x7 + x8 + x9 (continuous): WLSMV,
#     and WLSMV with std.lv = TRUE.
#   mix_c: sem() of mix_a with textual ~ visual and residual covariances x2 ~~ x6
#     (continuous) and x3 ~~ x4 (ordered-continuous), WLSMV.
# For each fit: parameterEstimates(fit, standardized = TRUE) (lhs, op, rhs, est, se,
# std.all) and fitMeasures.
suppressPackageStartupMessages({library(lavaan); library(jsonlite)})

hs <- read.csv("data/HolzingerSwineford1939.csv")[, paste0("x", 1:9)]
ho <- read.csv("data/hs_ordinal.csv")
mixed <- function(ord) { d <- hs; d[ord] <- ho[ord]; d }
mat <- function(m) unname(lapply(seq_len(nrow(m)), function(i) unname(as.numeric(m[i, ]))))

pair <- function(x, y, flip = FALSE) {
  X <- hs[[x]]; Y <- ho[[y]]
  if (flip) Y <- max(Y) + 1L - Y
  rho <- lavaan:::lav_bvmix_cor_twostep_fit(Y1 = X, Y2 = Y)
  sc <- lavaan:::lav_bvmix_cor_scores(Y1 = X, Y2 = Y, rho = rho)
  list(x = x, y = y, flip = flip, rho = rho,
       th = lavaan:::lav_uvord_fit(y = Y)$theta,
       scores = mat(cbind(sc$dx.mu.y1, sc$dx.var.y1, sc$dx.th.y2, sc$dx.rho)))
}

measures <- c("npar", "fmin", "chisq", "df", "pvalue", "chisq.scaled", "df.scaled", "pvalue.scaled",
              "chisq.scaling.factor", "baseline.chisq", "baseline.df", "baseline.chisq.scaled",
              "baseline.df.scaled", "cfi", "tli", "rmsea", "cfi.scaled", "tli.scaled", "rmsea.scaled",
              "srmr")

# modindices(fit): every candidate lavaan lists (NA rows left out, as modindices() does)
modification_indices <- function(fit) {
  mi <- as.data.frame(modindices(fit))
  list(lhs = mi$lhs, op = mi$op, rhs = mi$rhs, mi = mi$mi, epc = mi$epc, sepc_lv = mi$sepc.lv, sepc_all = mi$sepc.all)
}

case <- function(model, ord, estimator, std.lv = FALSE, stats = FALSE, fun = cfa) {
  fit <- fun(model, data = mixed(ord), ordered = ord, estimator = estimator, std.lv = std.lv)
  pe <- parameterEstimates(fit, ci = FALSE, remove.nonfree = FALSE, standardized = TRUE)
  fm <- fitMeasures(fit)
  keep <- intersect(measures, names(fm))
  out <- list(model = model, ordered = ord, estimator = estimator, std_lv = std.lv,
              fun = if (identical(fun, sem)) "sem" else "cfa",
              n = lavInspect(fit, "nobs"),
              pe = list(lhs = pe$lhs, op = pe$op, rhs = pe$rhs, est = pe$est, se = pe$se,
                        std_all = pe$std.all),
              fit = as.list(setNames(unname(as.numeric(fm[keep])), keep)),
              mi = modification_indices(fit))
  if (stats) {
    out$wls_obs <- unname(lavInspect(fit, "wls.obs"))
    out$wls_obs_names <- names(lavInspect(fit, "wls.obs"))
    out$wls_v <- unname(diag(lavInspect(fit, "wls.v")))
    out$gamma <- mat(lavInspect(fit, "gamma"))
  }
  out
}

ord_a <- c("x1", "x3", "x5")
model_a <- "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6"
ord_b <- c("x1", "x2", "x3")
model_b <- "visual =~ x1 + x2 + x3\nspeed =~ x7 + x8 + x9"
model_c <- paste(model_a, "textual ~ visual\nx2 ~~ x6\nx3 ~~ x4", sep = "\n")
lc <- lavCor(mixed(ord_a)[paste0("x", 1:6)], ordered = ord_a, output = "cor")

out <- list(lavaan = as.character(packageVersion("lavaan")),
            polyserial = list(pair("x2", "x1"), pair("x4", "x5"), pair("x6", "x3"), pair("x9", "x7"),
                              pair("x2", "x1", flip = TRUE)),
            lavcor = list(ordered = ord_a, names = colnames(lc), cor = mat(lc)),
            mix_a_wlsmv = case(model_a, ord_a, "WLSMV", stats = TRUE),
            mix_a_dwls = case(model_a, ord_a, "DWLS"),
            mix_a_ulsmv = case(model_a, ord_a, "ULSMV"),
            mix_b_wlsmv = case(model_b, ord_b, "WLSMV"),
            mix_b_wlsmv_std_lv = case(model_b, ord_b, "WLSMV", std.lv = TRUE),
            mix_c_sem = case(model_c, ord_a, "WLSMV", fun = sem))
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, pretty = TRUE), "sem_mixed.json")
