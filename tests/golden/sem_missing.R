# Reference values for tests/stats/test_sem_missing.py, computed with lavaan 0.6-14.
# Run from this folder: Rscript sem_missing.R   (writes sem_missing.json; writes
# data/HolzingerSwineford1939_holes.csv when it is absent)
# The data with holes: lavaan's HolzingerSwineford1939 with each of x1..x9 deleted with
# probability .12 (MCAR, set.seed(16)), and x2 and x3 also deleted with probability .3 where
# x1 > its median (missing at random given x1). Every model is fitted on the CSV files as
# read back, so R and Python see the same numbers.
# Cases: the three-factor HS CFA by FIML (missing = "ml"), listwise on the same data, MLR on
# the complete data, MLR with FIML (one group, and by school); plus lavaan's options for each (information, se, test).
# With observed covariates (fixed.x = TRUE, lavaan's default): factors regressed on x7 and x8,
# by MLR on the complete data, FIML and MLR + FIML on the data with holes (lavaan deletes the
# 65 rows missing a covariate, with a warning), MLR + FIML by school; a MIMIC model by MLR.
suppressPackageStartupMessages({library(lavaan); library(jsonlite)})

holes_file <- "data/HolzingerSwineford1939_holes.csv"
if (!file.exists(holes_file)) {
  hs0 <- read.csv("data/HolzingerSwineford1939.csv")
  set.seed(16)
  for (v in paste0("x", 1:9)) hs0[runif(nrow(hs0)) < 0.12, v] <- NA
  high <- !is.na(hs0$x1) & hs0$x1 > median(hs0$x1, na.rm = TRUE)
  for (v in c("x2", "x3")) hs0[high & runif(nrow(hs0)) < 0.3, v] <- NA
  write.csv(hs0, holes_file, row.names = FALSE, na = "")
}
hs <- read.csv("data/HolzingerSwineford1939.csv")
holes <- read.csv(holes_file)

hs_model <- "visual =~ x1 + x2 + x3
textual =~ x4 + x5 + x6
speed =~ x7 + x8 + x9"

standard <- c("chisq", "df", "pvalue", "baseline.chisq", "baseline.df", "baseline.pvalue",
              "cfi", "tli", "rmsea", "rmsea.ci.lower", "rmsea.ci.upper", "rmsea.pvalue",
              "srmr", "logl", "unrestricted.logl", "aic", "bic", "bic2", "npar", "ntotal")
scaled <- c("chisq.scaled", "df.scaled", "pvalue.scaled", "chisq.scaling.factor",
            "baseline.chisq.scaled", "baseline.df.scaled", "baseline.pvalue.scaled",
            "baseline.chisq.scaling.factor", "cfi.scaled", "tli.scaled", "rmsea.scaled")
robust <- c("cfi.robust", "tli.robust", "rmsea.robust")

describe <- function(fit, args, measures, model = hs_model) {
  pe <- parameterEstimates(fit, standardized = TRUE)
  if (is.null(pe$group)) pe$group <- 1L
  if (is.null(pe$label)) pe$label <- ""
  fm <- fitMeasures(fit, measures)
  opt <- lavInspect(fit, "options")
  list(model = model, args = args,
       options = list(information = opt$information[1],
                      observed.information = opt$observed.information[1],
                      h1.information = opt$h1.information[1], se = opt$se, test = opt$test),
       estimates = pe[, c("lhs", "op", "rhs", "group", "label", "est", "se", "z", "pvalue",
                          "std.lv", "std.all")],
       fit = as.list(setNames(as.numeric(fm), names(fm))))
}

cases <- list()
cases$hs_fiml <- describe(cfa(hs_model, data = holes, missing = "ml"),
                          list(data = "holes", missing = "fiml"), standard)
cases$hs_listwise <- describe(cfa(hs_model, data = holes, missing = "listwise"),
                              list(data = "holes", missing = "listwise"), standard)
cases$hs_mlr <- describe(cfa(hs_model, data = hs, estimator = "MLR"),
                         list(data = "hs", estimator = "MLR"), c(standard, scaled, robust))
# with missing = "ml", lavaan's cfi.robust/tli.robust/rmsea.robust are Zhang & Savalei's FIML
# corrections (lav_fit_fiml_corrected, "FIML-C (V3)")
cases$hs_mlr_fiml <- describe(cfa(hs_model, data = holes, estimator = "MLR", missing = "ml"),
                              list(data = "holes", estimator = "MLR", missing = "fiml"),
                              c(standard, scaled, robust))
cases$hs_mlr_fiml_school <- describe(cfa(hs_model, data = holes, group = "school", estimator = "MLR",
                                         missing = "ml"),
                                     list(data = "holes", group = "school", estimator = "MLR",
                                          missing = "fiml"), c(standard, scaled, robust))

cov_model <- "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nvisual ~ x7 + x8\ntextual ~ x7"
mimic <- "textual =~ x4 + x5 + x6\ntextual ~ x1 + x2 + x3"
covariates <- function(data, args, measures, model = cov_model, ...) {
  fit <- suppressWarnings(sem(model, data = get(args$data), ...))
  describe(fit, c(args, list(fun = "sem")), measures, model)
}
cases$cov_mlr <- covariates(hs, list(data = "hs", estimator = "MLR"), c(standard, scaled, robust),
                            estimator = "MLR")
cases$cov_fiml <- covariates(holes, list(data = "holes", missing = "fiml"), standard, missing = "ml")
cases$cov_mlr_fiml <- covariates(holes, list(data = "holes", estimator = "MLR", missing = "fiml"),
                                 c(standard, scaled, robust), estimator = "MLR", missing = "ml")
cases$cov_mlr_fiml_school <- covariates(holes, list(data = "holes", group = "school", estimator = "MLR",
                                                    missing = "fiml"), c(standard, scaled, robust),
                                        group = "school", estimator = "MLR", missing = "ml")
cases$mimic_mlr <- covariates(hs, list(data = "hs", estimator = "MLR"), c(standard, scaled, robust),
                              model = mimic, estimator = "MLR")

out <- list(lavaan = as.character(packageVersion("lavaan")), cases = cases)
write(toJSON(out, dataframe = "columns", auto_unbox = TRUE, digits = NA, na = "null",
             null = "null", pretty = FALSE), "sem_missing.json")
