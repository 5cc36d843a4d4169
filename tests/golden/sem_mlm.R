# Reference values for tests/stats/test_sem_mlm.py, computed with lavaan 0.6-14.
# Run from this folder: Rscript sem_mlm.R   (writes sem_mlm.json)
# estimator = "MLM" (se "robust.sem", test "satorra.bentler"), "MLMV" (test "scaled.shifted")
# and "MLMVS" (test "mean.var.adjusted") on HolzingerSwineford1939: one group, by school,
# with a mean structure, with an observed covariate (fixed.x = TRUE), the covariate by school;
# and lavaan's SEM of PoliticalDemocracy by MLM. fitMeasures() of lavaan 0.6-14 does not list
# the scaled-shifted test's shift parameter: it is taken from lavInspect(fit, "test").
# `defaults`: the options lavaan sets for each estimator (and missing = "ml"), which servq
# accepts as no-ops when a user types them (stats/sem/options.py).
suppressPackageStartupMessages({library(lavaan); library(jsonlite)})

hs <- read.csv("data/HolzingerSwineford1939.csv")
pd <- read.csv("data/PoliticalDemocracy.csv")

hs_model <- "visual =~ x1 + x2 + x3
textual =~ x4 + x5 + x6
speed =~ x7 + x8 + x9"
cov_model <- "visual =~ x1 + x2 + x3
textual =~ x4 + x5 + x6
visual ~ x7"
pd_model <- "ind60 =~ x1 + x2 + x3
dem60 =~ y1 + y2 + y3 + y4
dem65 =~ y5 + y6 + y7 + y8
dem60 ~ ind60
dem65 ~ ind60 + dem60
y1 ~~ y5
y2 ~~ y4 + y6
y3 ~~ y7
y4 ~~ y8
y6 ~~ y8"

standard <- c("chisq", "df", "pvalue", "baseline.chisq", "baseline.df", "baseline.pvalue",
              "cfi", "tli", "rmsea", "rmsea.ci.lower", "rmsea.ci.upper", "rmsea.pvalue",
              "srmr", "logl", "unrestricted.logl", "aic", "bic", "bic2", "npar", "ntotal")
scaled <- c("chisq.scaled", "df.scaled", "pvalue.scaled", "chisq.scaling.factor",
            "baseline.chisq.scaled", "baseline.df.scaled", "baseline.pvalue.scaled",
            "baseline.chisq.scaling.factor", "cfi.scaled", "tli.scaled", "rmsea.scaled")
robust <- c("cfi.robust", "tli.robust", "rmsea.robust")

describe <- function(fit, args, model) {
  pe <- parameterEstimates(fit, standardized = TRUE)
  if (is.null(pe$group)) pe$group <- 1L
  if (is.null(pe$label)) pe$label <- ""
  opt <- lavInspect(fit, "options")
  measures <- c(standard, scaled, if (opt$test != "mean.var.adjusted") robust)
  fm <- fitMeasures(fit, measures)
  fm <- as.list(setNames(as.numeric(fm), names(fm)))
  test <- lavInspect(fit, "test")[[opt$test]]
  if (!is.null(test$shift.parameter)) fm$chisq.shift.parameters <- sum(test$shift.parameter)
  list(model = model, args = args,
       options = list(information = opt$information[1], h1.information = opt$h1.information[1],
                      se = opt$se, test = opt$test),
       traces = list(trace.UGamma = test$trace.UGamma,
                     trace.UGamma2 = if (is.null(test$trace.UGamma2)) NA else test$trace.UGamma2),
       estimates = pe[, c("lhs", "op", "rhs", "group", "label", "est", "se", "z", "pvalue",
                          "std.lv", "std.all")],
       fit = fm)
}

fit_case <- function(model, data, args, fun = cfa, ...) {
  describe(fun(model, data = get(args$data), estimator = args$estimator, ...), args, model)
}

cases <- list()
cases$hs_mlm <- fit_case(hs_model, hs, list(data = "hs", estimator = "MLM"))
cases$hs_mlm_school <- fit_case(hs_model, hs, list(data = "hs", estimator = "MLM", group = "school"),
                                group = "school")
cases$hs_mlm_means <- fit_case(hs_model, hs, list(data = "hs", estimator = "MLM", meanstructure = TRUE),
                               meanstructure = TRUE)
cases$hs_mlmv <- fit_case(hs_model, hs, list(data = "hs", estimator = "MLMV"))
cases$hs_mlmvs <- fit_case(hs_model, hs, list(data = "hs", estimator = "MLMVS"))
cases$hs_mlmv_school <- fit_case(hs_model, hs, list(data = "hs", estimator = "MLMV", group = "school"),
                                 group = "school")
cases$cov_mlm <- fit_case(cov_model, hs, list(data = "hs", estimator = "MLM", fun = "sem"), sem)
cases$cov_mlmv_school <- fit_case(cov_model, hs, list(data = "hs", estimator = "MLMV", fun = "sem",
                                                      group = "school"), sem, group = "school")
cases$pd_mlm <- fit_case(pd_model, pd, list(data = "pd", estimator = "MLM", fun = "sem"), sem)

# the options lavaan sets per estimator; ordered items for the DWLS family
hs_ord <- as.data.frame(lapply(hs[paste0("x", 1:9)], function(v) cut(v, 3, labels = FALSE)))
defaults <- list()
settings <- list(ML = list(), MLR = list(), MLM = list(), MLMV = list(), MLMVS = list(),
                 ML_fiml = list(missing = "ml"), MLR_fiml = list(missing = "ml"),
                 WLSMV = list(ordered = TRUE), DWLS = list(ordered = TRUE),
                 ULSMV = list(ordered = TRUE), ULS = list(ordered = TRUE))
for (key in names(settings)) {
  est <- sub("_fiml", "", key)
  s <- settings[[key]]
  data <- if (isTRUE(s$ordered)) hs_ord else hs
  model <- if (isTRUE(s$ordered)) hs_model else cov_model
  fit <- do.call("sem", c(list(model = model, data = data, estimator = est),
                        s[setdiff(names(s), "ordered")],
                        if (isTRUE(s$ordered)) list(ordered = paste0("x", 1:9))))
  opt <- lavInspect(fit, "options")
  defaults[[key]] <- list(estimator = est, missing = opt$missing, se = opt$se, test = opt$test[1],
                          information = opt$information[1], h1.information = opt$h1.information[1],
                          observed.information = opt$observed.information[1],
                          likelihood = opt$likelihood, parameterization = opt$parameterization,
                          fixed.x = opt$fixed.x)
}
refused <- tryCatch(cfa(hs_model, hs, estimator = "MLM", missing = "ml"), error = conditionMessage)

out <- list(lavaan = as.character(packageVersion("lavaan")), cases = cases, defaults = defaults,
            mlm_fiml_error = refused)
write(toJSON(out, dataframe = "columns", auto_unbox = TRUE, digits = NA, na = "null",
             null = "null", pretty = FALSE), "sem_mlm.json")
