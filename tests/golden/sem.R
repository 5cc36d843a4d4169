# Reference values for tests/stats/test_sem_*.py, computed with lavaan 0.6-14.
# Run from this folder: Rscript sem.R   (writes sem.json; writes data/HolzingerSwineford1939.csv
# and data/PoliticalDemocracy.csv when they are absent)
# Every model is fitted on the CSV files as read back, so R and Python see the same numbers.
# Cases: lavaan's HolzingerSwineford1939 three-factor CFA (marker and std.lv), the
# PoliticalDemocracy SEM of the lavaan tutorial with and without the equality labels, a MIMIC
# model with observed covariates (fixed.x, listwise deletion of the one missing grade), a path
# model on observed variables, the 22-item five-factor CFA of the SERVQUAL perceptions sq411
# and its SEM with satisfaction regressed on the five dimensions, the HS multi-group
# invariance models by school (configural, metric, scalar) and the modification indices of HS.
suppressPackageStartupMessages({library(lavaan); library(jsonlite)})

if (!file.exists("data/HolzingerSwineford1939.csv"))
  write.csv(lavaan::HolzingerSwineford1939, "data/HolzingerSwineford1939.csv", row.names = FALSE)
if (!file.exists("data/PoliticalDemocracy.csv"))
  write.csv(lavaan::PoliticalDemocracy, "data/PoliticalDemocracy.csv", row.names = FALSE)
hs <- read.csv("data/HolzingerSwineford1939.csv")
pd <- read.csv("data/PoliticalDemocracy.csv")
sq <- read.csv("../data/servqual_perceptions_sq411.csv")

hs_model <- "visual =~ x1 + x2 + x3
textual =~ x4 + x5 + x6
speed =~ x7 + x8 + x9"

pd_model <- "
  # measurement model
    ind60 =~ x1 + x2 + x3
    dem60 =~ y1 + y2 + y3 + y4
    dem65 =~ y5 + y6 + y7 + y8
  # regressions
    dem60 ~ ind60
    dem65 ~ ind60 + dem60
  # residual correlations
    y1 ~~ y5
    y2 ~~ y4 + y6
    y3 ~~ y7
    y4 ~~ y8
    y6 ~~ y8"

pd_model_eq <- "
  # measurement model
    ind60 =~ x1 + x2 + x3
    dem60 =~ y1 + a*y2 + b*y3 + c*y4
    dem65 =~ y5 + a*y6 + b*y7 + c*y8
  # regressions
    dem60 ~ ind60
    dem65 ~ ind60 + dem60
  # residual correlations
    y1 ~~ y5
    y2 ~~ y4 + y6
    y3 ~~ y7
    y4 ~~ y8
    y6 ~~ y8"

mimic_model <- paste(hs_model, "visual + textual ~ ageyr + grade", sep = "\n")

path_model <- "y5 ~ y1 + x1
y1 ~ x1 + x2"

sq_model <- "tangibles =~ a01 + a02 + a03 + a04
reliability =~ a05 + a06 + a07 + a08 + a09
responsiveness =~ a10 + a11 + a12 + a13
assurance =~ a14 + a15 + a16 + a17
empathy =~ a18 + a19 + a20 + a21 + a22"

sq_sem_model <- paste(sq_model, "sat ~ tangibles + reliability + responsiveness + assurance + empathy",
                      sep = "\n")

measures <- c("chisq", "df", "pvalue", "baseline.chisq", "baseline.df", "baseline.pvalue",
              "cfi", "tli", "rmsea", "rmsea.ci.lower", "rmsea.ci.upper", "rmsea.pvalue",
              "srmr", "logl", "unrestricted.logl", "aic", "bic", "bic2", "npar", "ntotal")

describe <- function(fit, model, args) {
  pe <- parameterEstimates(fit, standardized = TRUE)
  if (is.null(pe$group)) pe$group <- 1L
  if (is.null(pe$label)) pe$label <- ""
  fm <- fitMeasures(fit, measures)
  list(model = model, args = args,
       estimates = pe[, c("lhs", "op", "rhs", "group", "label", "est", "se", "z", "pvalue",
                          "std.lv", "std.all")],
       fit = as.list(setNames(as.numeric(fm), names(fm))))
}

cases <- list()
fit_hs <- cfa(hs_model, data = hs)
cases$hs <- describe(fit_hs, hs_model, list(data = "hs"))
cases$hs_std_lv <- describe(cfa(hs_model, data = hs, std.lv = TRUE), hs_model,
                            list(data = "hs", std_lv = TRUE))
cases$poldem <- describe(sem(pd_model, data = pd), pd_model, list(data = "pd"))
cases$poldem_eq <- describe(sem(pd_model_eq, data = pd), pd_model_eq, list(data = "pd"))
cases$mimic <- describe(sem(mimic_model, data = hs), mimic_model, list(data = "hs"))
cases$path <- describe(sem(path_model, data = pd), path_model, list(data = "pd"))
# sq411 is on a 0-100 scale (variances up to ~500), where lavaan's nlminb stops early with
# its default tolerances (chisq 953.0822 instead of the minimum 953.0788; for the SEM, whose
# latent covariance matrix is not positive definite, 964.55 instead of 963.36, with very
# different regression weights). Fitted on the data divided by 10, lavaan reaches the
# minimum; the results are reported on the original scale: (co)variances and their SEs
# times 100, intercepts times 10, loadings and regressions unchanged (every variable has
# the same scale factor), std.all unchanged, std.lv times 10 per observed variable it involves, fit measures unchanged except logl, unrestricted.logl (minus
# N p log 10) and aic, bic, bic2 (plus 2 N p log 10). lavaan's default-tolerance chisq on
# the raw data is kept as lavaan_default_chisq.
rescaled <- function(model, data, k, args) {
  fit <- sem(model, data = data / k)
  out <- describe(fit, model, args)
  e <- out$estimates
  f <- ifelse(e$op == "~~", k^2, ifelse(e$op == "~1", k, 1))
  e$est <- e$est * f
  e$se <- e$se * f
  # std.lv leaves observed variables unstandardized: times k per observed "end"
  lv <- lavNames(fit, "lv")
  obs <- function(v) as.numeric(v != "" & !(v %in% lv))
  e$std.lv <- e$std.lv * ifelse(e$op == "=~", k^obs(e$rhs),
                         ifelse(e$op == "~", k^(obs(e$lhs) - obs(e$rhs)),
                         ifelse(e$op == "~1", k^obs(e$lhs), k^(obs(e$lhs) + obs(e$rhs)))))
  out$estimates <- e
  shift <- out$fit$ntotal * length(lavNames(fit)) * log(k)
  for (m in c("logl", "unrestricted.logl")) out$fit[[m]] <- out$fit[[m]] - shift
  for (m in c("aic", "bic", "bic2")) out$fit[[m]] <- out$fit[[m]] + 2 * shift
  out$lavaan_default_chisq <- as.numeric(fitMeasures(sem(model, data = data), "chisq"))
  out
}
cases$sq411 <- rescaled(sq_model, sq, 10, list(data = "sq411"))
cases$sq411_sem <- suppressWarnings(rescaled(sq_sem_model, sq, 10, list(data = "sq411")))

fit_conf <- cfa(hs_model, data = hs, group = "school")
fit_metric <- cfa(hs_model, data = hs, group = "school", group.equal = "loadings")
fit_scalar <- cfa(hs_model, data = hs, group = "school", group.equal = c("loadings", "intercepts"))
cases$hs_configural <- describe(fit_conf, hs_model, list(data = "hs", group = "school"))
cases$hs_metric <- describe(fit_metric, hs_model,
                            list(data = "hs", group = "school", group_equal = list("loadings")))
cases$hs_scalar <- describe(fit_scalar, hs_model,
                            list(data = "hs", group = "school",
                                 group_equal = list("loadings", "intercepts")))
# group labels in lavaan's order (order of first appearance in the data)
group_labels <- lavInspect(fit_conf, "group.label")

lrt <- lavTestLRT(fit_conf, fit_metric, fit_scalar)
invariance <- data.frame(model = c("configural", "metric", "scalar"), df = lrt$Df,
                         chisq = lrt$Chisq, chisq_diff = lrt$`Chisq diff`,
                         df_diff = lrt$`Df diff`, pvalue = lrt$`Pr(>Chisq)`)

mi <- modindices(fit_hs, sort. = TRUE)
mi <- mi[, c("lhs", "op", "rhs", "mi", "epc", "sepc.lv", "sepc.all")]

out <- list(lavaan = as.character(packageVersion("lavaan")), cases = cases,
            group_labels = group_labels, invariance = invariance, modindices_hs = mi)
write(toJSON(out, dataframe = "columns", auto_unbox = TRUE, digits = NA, na = "null",
             null = "null", pretty = FALSE), "sem.json")
