# Reference values for tests/stats/test_efa.py and tests/stats/test_omega.py (psych 2.2.9,
# GPArotation 2022.10.2, lavaan 0.6-14).
# Run from this folder: Rscript efa.R   (writes efa.json and efa_omega.json; writes
# data/bfi.csv and data/HolzingerSwineford1939.csv when they are absent)
# Data: psych's bfi (25 items, pairwise correlations as psych::fa uses), lavaan's
# HolzingerSwineford1939 x1-x9 and the SERVQUAL perceptions sq411 (a01-a22).
suppressPackageStartupMessages({library(psych); library(GPArotation); library(jsonlite)})

dir.create("data", showWarnings = FALSE)
if (!file.exists("data/bfi.csv")) write.csv(psych::bfi, "data/bfi.csv", row.names = FALSE)
if (!file.exists("data/HolzingerSwineford1939.csv"))
  write.csv(lavaan::HolzingerSwineford1939, "data/HolzingerSwineford1939.csv", row.names = FALSE)

bfi <- read.csv("data/bfi.csv")[, 1:25]
hs <- read.csv("data/HolzingerSwineford1939.csv")[, paste0("x", 1:9)]
sq <- read.csv("../data/servqual_perceptions_sq411.csv")[, sprintf("a%02d", 1:22)]
sets <- list(bfi = list(x = bfi, nf = 5), hs = list(x = hs, nf = 3), sq411 = list(x = sq, nf = 5))

mat <- function(m) unname(lapply(seq_len(nrow(m)), function(i) unname(as.numeric(m[i, ]))))

fa_case <- function(name, x, nf, fm, rotate) {
  f <- fa(x, nfactors = nf, fm = fm, rotate = rotate, warnings = FALSE)
  list(data = name, n_factors = nf, method = fm, rotate = rotate, n = nrow(x),
       items = colnames(x), loadings = mat(unclass(f$loadings)),
       phi = if (is.null(f$Phi)) NULL else mat(f$Phi),
       communality = unname(f$communality), uniquenesses = unname(f$uniquenesses),
       ss_loadings = unname(f$Vaccounted["SS loadings", ]),
       statistic = f$STATISTIC, dof = f$dof, pval = f$PVAL, objective = unname(f$objective),
       rmsea = unname(f$RMSEA["RMSEA"]), tli = f$TLI,
       e_values = f$e.values, values = f$values)
}

cases <- list()
for (name in names(sets)) {
  for (fm in c("minres", "ml")) for (rot in c("oblimin", "promax", "varimax", "none")) {
    cases[[length(cases) + 1]] <- fa_case(name, sets[[name]]$x, sets[[name]]$nf, fm, rot)
  }
}
# one-factor solutions (no rotation, sign so the loadings sum positive)
cases[[length(cases) + 1]] <- fa_case("hs", hs, 1, "minres", "oblimin")
cases[[length(cases) + 1]] <- fa_case("sq411", sq, 1, "ml", "oblimin")

kmo <- lapply(names(sets), function(name) {
  r <- cor(sets[[name]]$x, use = "pairwise")
  k <- KMO(r)
  b <- cortest.bartlett(r, n = nrow(sets[[name]]$x))
  list(data = name, msa = k$MSA, msai = unname(k$MSAi), n = nrow(sets[[name]]$x),
       chisq = b$chisq, df = b$df, p_value = b$p.value)
})

# parallel analysis: the suggested numbers over seeds 1-5, with 100 iterations (servq's
# default) and with psych's default 20 (sq411's factor count is 3 in some 20-iteration runs)
parallel <- lapply(c("hs", "sq411", "bfi"), function(name) {
  x <- sets[[name]]$x
  runs <- function(iter) t(sapply(1:5, function(seed) {
    set.seed(seed)
    p <- fa.parallel(x, plot = FALSE, n.iter = iter)
    c(p$nfact, p$ncomp)
  }))
  r100 <- runs(100)
  r20 <- runs(20)
  p <- fa.parallel(x, plot = FALSE)
  list(data = name, n = nrow(x), nfact = unname(r100[, 1]), ncomp = unname(r100[, 2]),
       nfact_20 = unname(r20[, 1]), ncomp_20 = unname(r20[, 2]),
       pc_values = p$pc.values, fa_values = p$fa.values)
})

writeLines(toJSON(list(fa = cases, kmo = kmo, parallel = parallel), auto_unbox = TRUE,
                  digits = NA, null = "null", pretty = FALSE), "efa.json")

om_case <- function(name, x, nf) {
  o <- suppressWarnings(suppressMessages(omega(x, nfactors = nf, plot = FALSE)))
  sl <- o$schmid$sl
  list(data = name, n_factors = nf, items = colnames(x), n = nrow(x),
       omega_h = o$omega_h, omega_lim = o$omega.lim, omega_tot = o$omega.tot,
       alpha = o$alpha, g6 = o$G6, ecv = unname(o$ECV), key = unname(o$key),
       general = unname(sl[, 1]), group = if (nf > 1) mat(sl[, 2:(nf + 1), drop = FALSE]) else NULL,
       h2 = unname(sl[, "h2"]), u2 = unname(sl[, "u2"]),
       oblique = mat(as.matrix(unclass(o$schmid$oblique))), phi = if (nf > 1) mat(o$schmid$phi) else NULL,
       omega_group = list(total = o$omega.group$total, general = o$omega.group$general,
                          group = o$omega.group$group))
}
ac <- bfi[, c(paste0("A", 1:5), paste0("C", 1:5))]
dims <- list(tangibles = 1:4, reliability = 5:9, responsiveness = 10:13,
             assurance = 14:17, empathy = 18:22)
om <- list(om_case("bfi", bfi, 3), om_case("bfi", bfi, 5), om_case("bfi_ac", ac, 3),
           om_case("bfi_agree", bfi[, paste0("A", 1:5)], 1), om_case("sq411", sq, 5),
           om_case("hs", hs, 3))
for (d in names(dims)) om[[length(om) + 1]] <- om_case(paste0("sq411_", d), sq[, dims[[d]]], 1)
writeLines(toJSON(list(omega = om), auto_unbox = TRUE, digits = NA, null = "null",
                  pretty = FALSE), "efa_omega.json")
