# Reference values for tests/stats/test_heldout_round3.py: a third held-out round, of the statistics
# other than SEM, on shapes and edge cases no other golden file covers.
# Computed with R 4.2.2, psych 2.2.9, GPArotation 2022.10.2, lavaan 0.6-14, psychTools 2.2.9 (for its
# data set ability) and jsonlite 1.8.4; the
# versions are written to the JSON ("versions").
# Run from this folder: Rscript heldout_round3.R   (writes heldout_round3.json; writes the data/h3_*.csv
# files and the CSV copies of R's data sets below when they are absent, then reads every data set back
# from its CSV file, so R and Python see the same numbers)
#
# Data (deterministic):
#   h3_negative.csv - 60 rows, items n1..n4 of one factor f = rnorm(60) (set.seed(303)), n2 and n4
#                     negatively keyed and left so (average inter-item r < 0), rounded to 1 decimal,
#                     and an item `const` that is 3 throughout;
#   h3_missing.csv  - 150 rows, six 1-5 items m1..m6 (m6 reverse-keyed), 40% of the answers blanked at
#                     random (set.seed(304)), row 1 blank throughout;
#   h3_groups.csv   - y (1-7 answers, many ties) in groups A..E of 3, 2, 7, 25 and 60 answers
#                     (set.seed(305)), and z: the same rows with group A's answers all 4 (no variance);
#   h3_ordinal.csv  - 120 rows (set.seed(306)) of ordinal items o1..o7 cut from correlated normals:
#                     o1, o2 of 7 categories answered by the first 40 rows only (sparse 7 x 7 tables),
#                     o3, o4 of 10 categories, o5, o6 of 3 categories with empty corner cells (ρ ≈ .9),
#                     o7 binary, and c1 continuous (polyserial);
#   h3_drivers.csv  - 80 rows (set.seed(307)): y, x1, x2 = x1 + noise (r ≈ .99), x3, and x4 uncorrelated
#                     with y but with x1 (a suppressor);
#   h3_boot_counts.csv - written by servq, not R: the Poisson(1) counts of 200 bootstrap replicates (rows) of
#                     the 30 rows of attitude (columns), servq.stats.bootstrap.poisson_counts(np.arange(30),
#                     range(200), seed=11); the test checks that servq still draws them;
#   ability.csv (psychTools::ability, 1525 x 16 binary items with missing answers), Harman74.csv
#   (datasets::Harman74.cor$cov, n = 145), Thurstone.csv (psych::Thurstone, n = 213), mtcars.csv,
#   attitude.csv, chickwts.csv and airquality.csv (datasets).
#
# Cases (each names the R function it calls; "by hand" follows the formula in the comment):
#   reliability: psych::alpha with a negative average r (4 items and 2 items), with a constant item
#     (psych drops it with a warning but counts it in the score), with 40% missing (pairwise, keys) and
#     listwise (4 complete rows for 6 items: a singular matrix), on the binary ability items; psych::alpha.ci (Feldt) at negative alpha, n = 5, k = 2,
#     n = 10000 and 90/99% coverage;
#   omega: psych::omega on Harman74 (4 groups, minres and ml), Thurstone (3), ability (2, psych's
#     "equal" general loadings; raw data, pairwise), the negative items with one factor (items keyed by
#     their general loadings);
#   EFA: psych::fa on Harman74 (4 factors: minres + oblimin, ml + promax, minres + varimax, ml + none),
#     Thurstone (3, ml + oblimin), ability (2, minres + oblimin, raw pairwise), an ultra-Heywood matrix
#     (1 factor: r12 r13 / r23 > 1; minres and ml), a just-identified 3-variable one-factor model (dof 0); psych::KMO and
#     psych::cortest.bartlett; fa.parallel's observed pc.values and fa.values (the simulated ones are
#     random; ability from its pairwise correlation matrix: fa.parallel fails on its raw data);
#   polychoric: lavaan::lavCor (ordered, two-step, lavaan's defaults) on sparse 7 x 7 tables, 10 x 10
#     tables, 3 x 3 tables with empty cells, a 2 x 7 table, the whole o1..o7 matrix (pairwise), and
#     polyserial correlations of c1 with a 10-category and a binary item;
#   comparisons: oneway.test (Welch) on groups of 3, 2, 7, 25, 60 and on 2 groups (= t.test squared),
#     Games-Howell by hand with ptukey / qtukey where R can (Welch df >= 2), pairwise.t.test(pool.sd =
#     FALSE) with holm, BH, bonferroni and none, Hedges' g by hand, the same on chickwts and airquality
#     (Ozone by Month, missing values dropped); p.adjust on p-values with ties, NA and 1;
#     prop.test(correct = FALSE) for two shares at 0 and 1 (both 0, both 1: no test) and unbalanced n, at 90% and 99%; Wilson
#     intervals (prop.test of one share) at x = 0, x = n, n = 1; t.test(x)$conf.int at n = 2;
#     ptukey / qtukey over k = 2 .. 20 and df = 2 .. 1000; NPS differences by hand;
#   drivers: relative weights by hand (Johnson 2000), LMG (Shapley) by hand over all 2^p subsets with
#     summary(lm)$r.squared (relaimpo is not packaged here), VIF by auxiliary lm, condition number
#     sqrt(max/min eigenvalue): mtcars (mpg on 10 collinear predictors), attitude (2 and 6 predictors),
#     h3_drivers (near-collinear pair and a suppressor); the bootstrap of attitude (rating on complaints,
#     learning and advance) given servq's Poisson counts: each replicate's R², relative weights and LMG by
#     lm(weights = counts) and cov.wt, replicates with a constant column left out as servq does, percentile
#     bounds by quantile(type = 7);
#   lagged correlations: cor.test(x, y)$p.value at n = 3, 4 and 50.
suppressPackageStartupMessages({
  library(psych)
  library(GPArotation)
  library(lavaan)
  library(jsonlite)
})

dir.create("data", showWarnings = FALSE)
write_once <- function(df, file) if (!file.exists(file)) write.csv(df, file, row.names = FALSE)

# ---- data ----------------------------------------------------------------------------------------
set.seed(303)
f <- rnorm(60)
write_once(data.frame(n1 = round(f + rnorm(60), 1), n2 = round(-f + rnorm(60), 1),
                      n3 = round(f + rnorm(60, sd = 2), 1), n4 = round(-0.5 * f + rnorm(60), 1),
                      const = 3), "data/h3_negative.csv")
set.seed(304)
g <- rnorm(150)
likert <- function(x) as.integer(cut(x, c(-Inf, -1.2, -0.4, 0.4, 1.2, Inf)))
m <- sapply(1:6, function(j) likert((if (j == 6) -0.8 else 0.8) * g + rnorm(150, sd = 0.7)))
colnames(m) <- paste0("m", 1:6)
m[matrix(runif(length(m)) < 0.4, nrow(m))] <- NA
m[1, ] <- NA
write_once(as.data.frame(m), "data/h3_missing.csv")
set.seed(305)
sizes <- c(A = 3, B = 2, C = 7, D = 25, E = 60)
shift <- c(A = 0, B = 1, C = 0.5, D = 1.5, E = 1)
grp <- rep(names(sizes), sizes)
y <- pmin(7, pmax(1, round(3.5 + shift[grp] + rnorm(sum(sizes), sd = c(A = 1, B = 2, C = 0.7, D = 1.5, E = 1)[grp]))))
y[grp == "B"] <- c(2, 6)
z <- y
z[grp == "A"] <- 4
write_once(data.frame(y = y, z = z, g = grp), "data/h3_groups.csv")
set.seed(306)
nn <- 120
h <- rnorm(nn)
cut_k <- function(x, k) as.integer(cut(x, quantile(x, seq(0, 1, length.out = k + 1)), include.lowest = TRUE))
o1 <- cut_k(0.7 * h + rnorm(nn, sd = 0.7), 7)
o2 <- cut_k(0.6 * h + rnorm(nn, sd = 0.8), 7)
o1[41:nn] <- NA
o2[41:nn] <- NA
e5 <- rnorm(nn)
o5 <- as.integer(cut(0.95 * e5 + rnorm(nn, sd = 0.3), c(-Inf, -0.5, 0.6, Inf)))
o6 <- as.integer(cut(0.95 * e5 + rnorm(nn, sd = 0.3), c(-Inf, -0.4, 0.5, Inf)))
write_once(data.frame(o1 = o1, o2 = o2, o3 = cut_k(0.8 * h + rnorm(nn, sd = 0.6), 10),
                      o4 = cut_k(0.5 * h + rnorm(nn, sd = 0.9), 10), o5 = o5, o6 = o6,
                      o7 = as.integer(h + rnorm(nn, sd = 0.8) > 0.3) + 1L,
                      c1 = round(10 + 2 * (0.6 * h + rnorm(nn, sd = 0.8)), 2)), "data/h3_ordinal.csv")
set.seed(307)
x1 <- rnorm(80)
x3 <- rnorm(80)
x4 <- 0.7 * x1 + rnorm(80, sd = 0.7)
yy <- x1 - 0.7 * x4 + 0.5 * x3 + rnorm(80)
write_once(data.frame(y = round(yy, 3), x1 = round(x1, 3), x2 = round(x1 + rnorm(80, sd = 0.12), 3),
                      x3 = round(x3, 3), x4 = round(x4, 3)), "data/h3_drivers.csv")
write_once(as.data.frame(psychTools::ability), "data/ability.csv")
write_once(as.data.frame(datasets::Harman74.cor$cov), "data/Harman74.csv")
write_once(as.data.frame(psych::Thurstone), "data/Thurstone.csv")
write_once(datasets::mtcars, "data/mtcars.csv")
write_once(datasets::attitude, "data/attitude.csv")
write_once(datasets::chickwts, "data/chickwts.csv")
write_once(datasets::airquality, "data/airquality.csv")

neg <- read.csv("data/h3_negative.csv")
mis <- read.csv("data/h3_missing.csv")
grp <- read.csv("data/h3_groups.csv")
ord <- read.csv("data/h3_ordinal.csv")
drv <- read.csv("data/h3_drivers.csv")
ability <- read.csv("data/ability.csv")
harman <- as.matrix(read.csv("data/Harman74.csv"))
rownames(harman) <- colnames(harman)
thurstone <- as.matrix(read.csv("data/Thurstone.csv"))
rownames(thurstone) <- colnames(thurstone)
mtc <- read.csv("data/mtcars.csv")
att <- read.csv("data/attitude.csv")
chick <- read.csv("data/chickwts.csv")
air <- read.csv("data/airquality.csv")

mat <- function(m) unname(lapply(seq_len(nrow(m)), function(i) unname(as.numeric(m[i, ]))))
num <- function(x) unname(as.numeric(x))

# ---- reliability ---------------------------------------------------------------------------------
alpha_case <- function(x, keys = NULL, n.obs = NULL) {
  w <- character(0)
  a <- withCallingHandlers(psych::alpha(x, keys = keys, n.obs = n.obs, warnings = FALSE, check.keys = FALSE),
                           warning = function(cond) { w <<- c(w, conditionMessage(cond)); invokeRestart("muffleWarning") })
  tot <- as.list(a$total)
  list(items = colnames(x), keys = as.list(if (is.null(keys)) character(0) else keys),
       total = lapply(tot, unname), var_r = num(a$var.r[[1]]),
       feldt = list(lower = a$feldt$lower.ci[[1]], upper = a$feldt$upper.ci[[1]]),
       duhachek = list(lower = tot$raw_alpha - 1.96 * tot$ase, upper = tot$raw_alpha + 1.96 * tot$ase),
       alpha_drop = lapply(as.list(a$alpha.drop), num), item_stats = lapply(as.list(a$item.stats), num),
       item_names = rownames(a$item.stats), warnings = as.list(unique(w)))
}
reliability <- list(
  negative = alpha_case(neg[, paste0("n", 1:4)]),
  negative_two = alpha_case(neg[, c("n1", "n2")]),
  constant = alpha_case(neg),
  missing_keys = alpha_case(mis, keys = "m6"),
  missing_listwise = alpha_case(na.omit(mis), keys = "m6"),
  ability = alpha_case(ability)
)
feldt <- lapply(list(list(alpha = -0.4, n = 60, k = 4, p = 0.05), list(alpha = 0.5, n = 5, k = 2, p = 0.05),
                     list(alpha = 0.93, n = 10000, k = 12, p = 0.05), list(alpha = 0.7, n = 30, k = 6, p = 0.10),
                     list(alpha = 0.7, n = 30, k = 6, p = 0.01), list(alpha = 0, n = 3, k = 40, p = 0.05)),
                function(a) c(a, as.list(unlist(psych::alpha.ci(a$alpha, a$n, a$k, p.val = a$p)))))

# ---- omega ---------------------------------------------------------------------------------------
omega_case <- function(x, nf, n.obs = NA, fm = "minres") {
  o <- suppressWarnings(psych::omega(x, nfactors = nf, n.obs = n.obs, fm = fm, plot = FALSE))
  list(n_factors = nf, method = fm, omega_h = o$omega_h, omega_lim = unname(o$omega.lim),
       omega_tot = o$omega.tot, alpha = o$alpha, g6 = unname(o$G6), ecv = unname(o$ECV),
       key = num(if (is.null(o$key)) rep(1, ncol(o$R)) else o$key),
       general = num(o$schmid$sl[, 1]), h2 = num(o$schmid$sl[, "h2"]),
       omega_group = mat(as.matrix(o$omega.group)))
}
omega <- list(
  harman_4 = c(list(data = "harman", n = 145), omega_case(harman, 4, 145)),
  harman_4_ml = c(list(data = "harman", n = 145), omega_case(harman, 4, 145, "ml")),
  thurstone_3 = c(list(data = "thurstone", n = 213), omega_case(thurstone, 3, 213)),
  ability_2 = c(list(data = "ability"), omega_case(ability, 2)),
  negative_1 = c(list(data = "negative"), omega_case(neg[, paste0("n", 1:4)], 1))
)

# ---- EFA -----------------------------------------------------------------------------------------
fa_case <- function(data, x, nf, fm, rotate, n.obs = NA) {
  w <- character(0)
  f <- withCallingHandlers(psych::fa(x, nfactors = nf, fm = fm, rotate = rotate, n.obs = n.obs, warnings = TRUE),
                           warning = function(cond) { w <<- c(w, conditionMessage(cond)); invokeRestart("muffleWarning") })
  list(data = data, n_factors = nf, method = fm, rotate = rotate, n = if (is.na(n.obs)) NULL else n.obs,
       loadings = mat(unclass(f$loadings)), factors = colnames(f$loadings),
       phi = if (is.null(f$Phi)) NULL else mat(f$Phi),
       communality = num(f$communality), uniquenesses = num(f$uniquenesses),
       ss_loadings = num(f$Vaccounted["SS loadings", ]), statistic = f$STATISTIC, dof = f$dof,
       pval = f$PVAL, objective = num(f$objective), rmsea = num(f$RMSEA["RMSEA"]), tli = f$TLI,
       e_values = num(f$e.values), values = num(f$values), warnings = as.list(unique(w)))
}
heywood <- matrix(c(1, .9, .85, .6, .9, 1, .7, .5, .85, .7, 1, .45, .6, .5, .45, 1), 4)  # r12 r13 / r23 > 1
just <- matrix(c(1, .48, .4, .48, 1, .3, .4, .3, 1), 3)
efa <- list(
  harman_minres_oblimin = fa_case("harman", harman, 4, "minres", "oblimin", 145),
  harman_ml_promax = fa_case("harman", harman, 4, "ml", "promax", 145),
  harman_minres_varimax = fa_case("harman", harman, 4, "minres", "varimax", 145),
  harman_ml_none = fa_case("harman", harman, 4, "ml", "none", 145),
  thurstone_ml_oblimin = fa_case("thurstone", thurstone, 3, "ml", "oblimin", 213),
  ability_minres_oblimin = fa_case("ability", ability, 2, "minres", "oblimin"),
  heywood_minres = c(fa_case("heywood", heywood, 1, "minres", "none", 100), list(matrix = mat(heywood))),
  heywood_ml = c(fa_case("heywood", heywood, 1, "ml", "none", 100), list(matrix = mat(heywood))),
  just_identified = c(fa_case("just", just, 1, "minres", "none", 50), list(matrix = mat(just)))
)
kmo <- list(harman = list(msa = psych::KMO(harman)$MSA, msai = num(psych::KMO(harman)$MSAi)),
            ability = list(msa = psych::KMO(ability)$MSA, msai = num(psych::KMO(ability)$MSAi)))
bart <- function(r, n) { b <- psych::cortest.bartlett(r, n = n); list(chisq = b$chisq, df = b$df, p = b$p.value, n = n) }
bartlett <- list(harman = bart(harman, 145), thurstone = bart(thurstone, 213),
                 ability = bart(cor(ability, use = "pairwise"), nrow(ability)))
par_values <- function(x, n.obs = NA) {
  pa <- suppressWarnings(psych::fa.parallel(x, n.obs = n.obs, fm = "minres", n.iter = 2, plot = FALSE))
  list(pc_values = num(pa$pc.values), fa_values = num(pa$fa.values))
}
set.seed(1)
parallel <- list(harman = c(list(n = 145), par_values(harman, 145)),
                 ability = c(list(n = nrow(ability)), par_values(cor(ability, use = "pairwise"), nrow(ability))))

# ---- polychoric / polyserial (lavaan::lavCor, two-step, lavaan's defaults) ----------------------------
lavcor_case <- function(vars, ordered) {
  d <- ord[, vars]
  fit <- lavaan::lavCor(d, ordered = ordered, output = "fit", missing = "pairwise")
  cv <- lavaan::lavInspect(fit, "sampstat")$cov  # the covariance matrix: continuous variables keep their variance
  list(vars = vars, ordered = ordered, cor = mat(cov2cor(cv)), var = num(diag(cv)),
       th = num(lavaan::lavInspect(fit, "sampstat")$th), th_names = names(lavaan::lavInspect(fit, "sampstat")$th),
       mean = num(lavaan::lavInspect(fit, "sampstat")$mean), table = if (length(ordered) == 2) mat(table(d[[1]], d[[2]])) else NULL)
}
polychoric <- list(
  sparse_7x7 = lavcor_case(c("o1", "o2"), c("o1", "o2")),
  ten_categories = lavcor_case(c("o3", "o4"), c("o3", "o4")),
  empty_cells_3x3 = lavcor_case(c("o5", "o6"), c("o5", "o6")),
  binary_by_7 = lavcor_case(c("o7", "o1"), c("o7", "o1")),
  all_seven = lavcor_case(paste0("o", 1:7), paste0("o", 1:7)),
  polyserial_10 = lavcor_case(c("c1", "o3"), "o3"),
  polyserial_binary = lavcor_case(c("c1", "o7"), "o7")
)

# ---- comparisons ---------------------------------------------------------------------------------
welch <- function(y, g) {
  o <- oneway.test(y ~ g, var.equal = FALSE)
  a <- summary(aov(y ~ g))[[1]]
  ssb <- a[1, "Sum Sq"]; ssw <- a[2, "Sum Sq"]; msw <- a[2, "Mean Sq"]; k <- nlevels(factor(g)); N <- length(y)
  f <- unname(o$statistic); df1 <- unname(o$parameter[1])
  list(f = f, df1 = df1, df2 = unname(o$parameter[2]), p = o$p.value,
       omega_sq = (ssb - (k - 1) * msw) / (ssb + ssw + msw), omega_sq_welch = df1 * (f - 1) / (df1 * (f - 1) + N))
}
pairs_by_hand <- function(y, g, conf = 0.95) {
  g <- factor(g); lv <- levels(g); k <- length(lv); out <- list()
  for (i in 1:(k - 1)) for (j in (i + 1):k) {
    a <- y[g == lv[i]]; b <- y[g == lv[j]]
    va <- var(a) / length(a); vb <- var(b) / length(b); se <- sqrt(va + vb)
    df <- (va + vb)^2 / (va^2 / (length(a) - 1) + vb^2 / (length(b) - 1))
    d <- mean(b) - mean(a); tt <- t.test(b, a, var.equal = FALSE, conf.level = conf)
    m <- length(a) + length(b) - 2
    sp <- sqrt(((length(a) - 1) * var(a) + (length(b) - 1) * var(b)) / m)
    ok <- df >= 2  # R's ptukey / qtukey give NaN below 2 df
    out[[length(out) + 1]] <- list(
      group_a = lv[i], group_b = lv[j], diff = d, se = se, t = d / se, df = df, p_welch = tt$p.value,
      ci_welch = num(tt$conf.int),
      p_gh = if (ok) ptukey(abs(d / se) * sqrt(2), k, df, lower.tail = FALSE) else NULL,
      ci_gh = if (ok) d + c(-1, 1) * qtukey(conf, k, df) / sqrt(2) * se else NULL,
      hedges_g = d / sp * gamma(m / 2) / (sqrt(m / 2) * gamma((m - 1) / 2)))
  }
  out
}
adjusted <- function(y, g) {
  lapply(setNames(nm = c("holm", "BH", "bonferroni", "none")), function(meth) {
    pt <- pairwise.t.test(y, g, pool.sd = FALSE, p.adjust.method = meth)$p.value
    num(pt[lower.tri(pt, diag = TRUE)])  # column by column: (1,2), (1,3), ..., (2,3), ...
  })
}
comparison_case <- function(y, g, conf = 0.95) {
  ok <- !is.na(y) & !is.na(g); y <- y[ok]; g <- factor(g[ok])
  list(levels = levels(g), n = num(table(g)), welch = welch(y, g), pairs = pairs_by_hand(y, g, conf),
       adjusted = adjusted(y, g), confidence = conf)
}
two <- subset(grp, g %in% c("C", "D"))
tt2 <- t.test(y ~ g, data = two, var.equal = FALSE)
comparisons <- list(
  unbalanced = comparison_case(grp$y, grp$g),
  two_groups = c(comparison_case(two$y, two$g), list(t_squared = unname(tt2$statistic)^2, t_p = tt2$p.value)),
  chickwts = comparison_case(chick$weight, chick$feed, 0.9),
  airquality = comparison_case(air$Ozone, air$Month, 0.99)
)
zero_variance <- tryCatch(oneway.test(z ~ g, grp)$statistic, error = function(e) conditionMessage(e))
pvals <- c(0.01, 0.04, 0.04, NA, 0.2, 1, 0.0001, 0.04, 0.5)
p_adjust <- list(p = pvals, holm = p.adjust(pvals, "holm"), BH = p.adjust(pvals, "BH"),
                 bonferroni = p.adjust(pvals, "bonferroni"), none = p.adjust(pvals, "none"))
prop2 <- function(x1, n1, x2, n2, conf) {
  pt <- suppressWarnings(prop.test(c(x1, x2), c(n1, n2), correct = FALSE, conf.level = conf))
  w1 <- suppressWarnings(prop.test(x1, n1, correct = FALSE, conf.level = conf))$conf.int
  w2 <- suppressWarnings(prop.test(x2, n2, correct = FALSE, conf.level = conf))$conf.int
  list(x1 = x1, n1 = n1, x2 = x2, n2 = n2, confidence = conf, chi2 = unname(pt$statistic), p = pt$p.value,
       ci = num(pt$conf.int), wilson_1 = num(w1), wilson_2 = num(w2))
}
proportions <- list(prop2(0, 7, 12, 30, 0.95), prop2(7, 7, 3, 30, 0.90), prop2(45, 50, 480, 1000, 0.99),
                    prop2(1, 3, 250, 400, 0.95), prop2(0, 12, 30, 30, 0.95), prop2(0, 10, 0, 12, 0.95), prop2(10, 10, 12, 12, 0.9))
wilson <- lapply(list(c(0, 1, .95), c(1, 1, .95), c(3, 1000, .9), c(999, 1000, .99), c(0, 250, .95), c(5, 9, .8)),
                 function(a) list(x = a[1], n = a[2], confidence = a[3],
                                  ci = num(suppressWarnings(prop.test(a[1], a[2], correct = FALSE, conf.level = a[3]))$conf.int)))
t_int <- lapply(list(list(x = c(3, 5), conf = 0.99), list(x = c(1, 1, 2), conf = 0.95), list(x = c(-2.5, 0, 7, 7.5, 1), conf = 0.8)),
                function(a) list(x = a$x, confidence = a$conf, mean = mean(a$x), sd = sd(a$x), n = length(a$x),
                                 ci = num(t.test(a$x, conf.level = a$conf)$conf.int)))
grid <- expand.grid(q = c(0.5, 2, 3.5, 6, 12), k = c(2, 3, 10, 20), df = c(2, 3.5, 10, 100, 1000))
tukey <- list(q = grid$q, k = grid$k, df = grid$df,
              sf = ptukey(grid$q, grid$k, grid$df, lower.tail = FALSE),
              quantile = list(p = c(0.9, 0.95, 0.99, 0.999, 0.9, 0.99), k = c(2, 5, 20, 3, 12, 7), df = c(2, 4.5, 1000, 30, 2.2, 60)))
tukey$quantile$q <- qtukey(tukey$quantile$p, tukey$quantile$k, tukey$quantile$df)
nps_hand <- function(a, b, conf = 0.95) {
  one <- function(c) { n <- sum(c); pp <- c[1] / n; pd <- c[3] / n; c(100 * (pp - pd), 100 * sqrt((pp + pd - (pp - pd)^2) / n), n) }
  A <- one(a); B <- one(b); d <- A[1] - B[1]; se <- sqrt(A[2]^2 + B[2]^2); z <- qnorm(0.5 + conf / 2)
  list(a = a, b = b, confidence = conf, nps_a = A[1], nps_b = B[1], se_a = A[2], se_b = B[2], diff = d, se = se,
       ci = c(d - z * se, d + z * se), p = if (se > 0) 2 * pnorm(-abs(d) / se) else NULL)
}
nps <- list(nps_hand(c(12, 5, 0), c(3, 4, 9)), nps_hand(c(1, 0, 0), c(0, 1, 0), 0.9),
            nps_hand(c(10, 0, 0), c(10, 0, 0)), nps_hand(c(400, 300, 300), c(40, 30, 25), 0.99))

# ---- key drivers ---------------------------------------------------------------------------------
drivers_case <- function(d, y, x) {
  d <- na.omit(d[, c(y, x)])
  R <- cor(d)
  rxx <- R[x, x, drop = FALSE]; rxy <- R[x, y]
  e <- eigen(rxx, symmetric = TRUE)
  lam <- e$vectors %*% diag(sqrt(e$values), length(x)) %*% t(e$vectors)
  beta <- solve(lam, rxy)
  rw <- as.vector(lam^2 %*% beta^2)
  p <- length(x)
  subsets <- 0:(2^p - 1)
  r2 <- sapply(subsets, function(s) {
    used <- x[bitwAnd(s, 2^(0:(p - 1))) > 0]
    if (!length(used)) return(0)
    summary(lm(reformulate(used, y), d))$r.squared
  })
  size <- sapply(subsets, function(s) sum(bitwAnd(s, 2^(0:(p - 1))) > 0))
  lmg <- sapply(seq_len(p), function(j) {
    bit <- 2^(j - 1); without <- subsets[bitwAnd(subsets, bit) == 0]
    sum(sapply(without, function(s) {
      k <- size[s + 1]; factorial(k) * factorial(p - k - 1) / factorial(p) * (r2[s + bit + 1] - r2[s + 1])
    }))
  })
  full <- summary(lm(reformulate(x, y), d))
  vif <- if (p > 1) sapply(x, function(v) 1 / (1 - summary(lm(reformulate(setdiff(x, v), v), d))$r.squared)) else 1
  list(outcome = y, predictors = x, n = nrow(d), r2 = full$r.squared, adj_r2 = full$adj.r.squared,
       relative_weight = rw, lmg = lmg, vif = num(vif), condition_number = sqrt(max(e$values) / min(e$values)))
}
drivers <- list(
  mtcars = c(list(data = "mtcars"), drivers_case(mtc, "mpg", c("cyl", "disp", "hp", "drat", "wt", "qsec", "vs", "am", "gear", "carb"))),
  attitude_2 = c(list(data = "attitude"), drivers_case(att, "rating", c("complaints", "learning"))),
  attitude_6 = c(list(data = "attitude"), drivers_case(att, "rating", c("complaints", "privileges", "learning", "raises", "critical", "advance"))),
  collinear = c(list(data = "drivers"), drivers_case(drv, "y", c("x1", "x2", "x3"))),
  suppressor = c(list(data = "drivers"), drivers_case(drv, "y", c("x1", "x3", "x4")))
)
counts <- as.matrix(read.csv("data/h3_boot_counts.csv", header = FALSE))
boot_case <- function(d, y, x, counts, conf = 0.95) {
  d <- d[, c(y, x)]
  stats <- t(sapply(seq_len(nrow(counts)), function(b) {
    w <- counts[b, ]
    cw <- cov.wt(d, wt = w / sum(w), method = "ML")
    if (any(diag(cw$cov) <= 1e-10 * (diag(cw$cov) + cw$center^2))) return(rep(NA, 1 + 4 * length(x)))
    keep <- w > 0
    one <- drivers_case(d[rep(which(keep), w[keep]), ], y, x)  # the replicate's rows, each as often as drawn
    c(one$r2, one$relative_weight, 100 * one$relative_weight / one$r2, one$lmg, 100 * one$lmg / one$r2)
  }))
  ok <- stats[complete.cases(stats), , drop = FALSE]
  p <- length(x)
  bound <- function(cols) lapply(c((1 - conf) / 2, 1 - (1 - conf) / 2), function(a) num(apply(ok[, cols, drop = FALSE], 2, quantile, a, type = 7)))
  list(outcome = y, predictors = x, n_boot = nrow(counts), seed = 11, confidence = conf, failed = nrow(stats) - nrow(ok),
       r2 = unlist(bound(1)), relative_weight = bound(1 + 1:p), relative_weight_pct = bound(1 + p + 1:p),
       lmg = bound(1 + 2 * p + 1:p), lmg_pct = bound(1 + 3 * p + 1:p))
}
bootstrap <- boot_case(att, "rating", c("complaints", "learning", "advance"), counts)
set.seed(308)
pearson <- lapply(list(c(3, 0.2), c(4, 0.9), c(50, 0.3), c(3, -0.95)), function(a) {
  x <- rnorm(a[1]); y <- a[2] * x + sqrt(1 - a[2]^2) * rnorm(a[1]) / 2
  ct <- cor.test(x, y)
  list(x = x, y = y, r = unname(ct$estimate), n = a[1], p = ct$p.value)
})
drivers$attitude_6_cov <- c(drivers$attitude_6, list(cov = mat(cov(att[, c("rating", drivers$attitude_6$predictors)]))))
drivers$attitude_6_cov$data <- NULL

out <- list(
  versions = list(R = R.version.string, psych = as.character(packageVersion("psych")),
                  GPArotation = as.character(packageVersion("GPArotation")),
                  lavaan = as.character(packageVersion("lavaan")),
                  psychTools = as.character(packageVersion("psychTools")), jsonlite = as.character(packageVersion("jsonlite"))),
  reliability = reliability, feldt = feldt, omega = omega, efa = efa, kmo = kmo, bartlett = bartlett,
  parallel = parallel, polychoric = polychoric, comparisons = comparisons,
  zero_variance = as.character(zero_variance), p_adjust = p_adjust, proportions = proportions, wilson = wilson,
  t_interval = t_int, tukey = tukey, nps = nps, drivers = drivers, bootstrap = bootstrap, pearson = pearson
)
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, pretty = TRUE, null = "null", na = "null"),
           "heldout_round3.json")
