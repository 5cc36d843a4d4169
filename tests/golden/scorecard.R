# Reference values for tests/measures/test_scorecard.py (servq.stats.shrinkage and
# servq.scorecard): the one-way random-effects model fitted by R lme4 with REML.
# Run from this folder: Rscript scorecard.R   (needs lme4 and jsonlite)
#
# Cases
#   units:        data/shrinkage_units.csv, 9 units in 3 parents, 1 to 30 answers each
#                 (simulated here, seed 4): lmer(y ~ 1 + (1 | unit)) and
#                 lmer(y ~ parent + (1 | unit))
#   null:         data/shrinkage_null.csv, 6 units without any unit effect (seed 2): REML puts
#                 the unit variance at 0 (a singular fit)
#   survey:       ../data/scorecard_employees.csv, employee within team: the respondents'
#                 reliability perception score, unweighted SERVQUAL gap and NPS contribution,
#                 each with lmer(score ~ team + (1 | employee))
# For every fit: sigma2 and tau2 (VarCorr), the parent means (fixed effects), each unit's
# shrunk estimate (fixed effect of its parent + its random effect, i.e. coef()), and the
# prediction error variance of that estimate from Henderson's mixed-model equations
# (inverse of [X'X X'Z; Z'X Z'Z + sigma2/tau2 I] times sigma2), computed by hand.

suppressPackageStartupMessages({library(lme4); library(jsonlite)})

fit_case <- function(d, nested) {
  d$unit <- factor(d$unit)
  form <- if (nested) y ~ 0 + parent + (1 | unit) else y ~ 1 + (1 | unit)
  if (nested) d$parent <- factor(d$parent)
  m <- lmer(form, data = d, REML = TRUE,
            control = lmerControl(optimizer = "bobyqa", optCtrl = list(rhoend = 1e-10)))
  vc <- as.data.frame(VarCorr(m))
  tau2 <- vc$vcov[vc$grp == "unit"]
  sigma2 <- vc$vcov[vc$grp == "Residual"]
  X <- getME(m, "X"); Z <- as.matrix(getME(m, "Z"))
  units <- levels(d$unit)
  pev <- rep(NA_real_, length(units))
  if (tau2 > 0) {
    C <- rbind(cbind(crossprod(X), crossprod(X, Z)),
               cbind(crossprod(Z, X), crossprod(Z) + diag(sigma2 / tau2, ncol(Z))))
    Ci <- solve(C) * sigma2
    # prediction error of x_j' beta + u_j: [x_j, e_j] Ci [x_j, e_j]'
    for (j in seq_along(units)) {
      xj <- X[which(d$unit == units[j])[1], ]
      v <- c(xj, as.numeric(colnames(Z) == units[j]))
      pev[j] <- as.numeric(t(v) %*% Ci %*% v)
    }
  } else {
    # tau2 = 0: the estimate is the parent's GLS (= OLS) mean
    for (j in seq_along(units)) {
      p <- if (nested) d$parent[d$unit == units[j]][1] else NULL
      n_p <- if (nested) sum(d$parent == p) else nrow(d)
      pev[j] <- sigma2 / n_p
    }
  }
  re <- ranef(m)$unit
  shrunk <- sapply(units, function(u) {
    base <- if (nested) fixef(m)[paste0("parent", as.character(d$parent[d$unit == u][1]))] else fixef(m)[1]
    base + re[u, "(Intercept)"]
  })
  list(sigma2 = sigma2, tau2 = tau2, singular = isSingular(m),
       fixef = as.list(fixef(m)), units = units, shrunk = unname(shrunk), pev = pev,
       n = as.vector(table(d$unit)[units]), raw = as.vector(tapply(d$y, d$unit, mean)[units]))
}

set.seed(4)
parents <- rep(c("a", "b", "c"), each = 3)
n_unit <- c(1, 4, 30, 2, 12, 7, 25, 3, 9)
effect <- rnorm(9, 0, 0.6)
units <- data.frame()
for (j in 1:9) {
  units <- rbind(units, data.frame(unit = sprintf("u%d", j), parent = parents[j],
    y = round(c(a = 5, b = 4.2, c = 5.6)[parents[j]] + effect[j] + rnorm(n_unit[j], 0, 1.1), 3)))
}
write.csv(units, "data/shrinkage_units.csv", row.names = FALSE)

set.seed(2)
null <- data.frame(unit = rep(sprintf("v%d", 1:6), times = c(5, 8, 3, 10, 6, 4)))
null$y <- round(rnorm(nrow(null), 3, 1), 3)
write.csv(null, "data/shrinkage_null.csv", row.names = FALSE)

# the survey: respondent scores as servq defines them (docs/scorecards.md)
s <- read.csv("../data/scorecard_employees.csv", stringsAsFactors = FALSE)
items <- list(tangibles = 1:4, reliability = 5:9, responsiveness = 10:13, assurance = 14:17, empathy = 18:22)
ans <- function(prefix, i) { v <- s[[paste0(prefix, i)]]; v[!is.na(v) & v == 0] <- NA; v }  # 0 = don't know
dim_mean <- function(m) { out <- rowMeans(m, na.rm = TRUE); out[is.nan(out)] <- NA; out }
perc <- sapply(items, function(ix) dim_mean(sapply(ix, function(i) ans("P", i))))
gap <- sapply(items, function(ix) dim_mean(sapply(ix, function(i) ans("P", i) - ans("E", i))))
servqual <- rowMeans(gap)  # NA unless all five dimension gaps exist
rec <- s$recommend
nps <- ifelse(is.na(rec), NA, ifelse(rec >= 9, 100, ifelse(rec <= 6, -100, 0)))
survey <- function(y) {
  d <- data.frame(unit = s$employee, parent = s$team, y = y)
  fit_case(d[!is.na(d$y), ], TRUE)
}

out <- list(
  units_flat = fit_case(units, FALSE),
  units_nested = fit_case(units, TRUE),
  null = fit_case(null, FALSE),
  survey_reliability = survey(perc[, "reliability"]),
  survey_servqual = survey(servqual),
  survey_nps = survey(nps)
)
writeLines(toJSON(out, auto_unbox = TRUE, digits = NA, pretty = TRUE), "scorecard.json")
