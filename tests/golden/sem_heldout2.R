# Reference values for tests/stats/test_sem_heldout2.py, computed with lavaan 0.6-14: a second round of
# model shapes and options that the other sem*.R, ordinal*.R and heldout*.R files do not fit, each a
# model a servq user would write.
# Run from this folder: Rscript sem_heldout2.R   (writes sem_heldout2.json; reads the CSV files that
# sem.R, sem_missing.R, polychoric.R, alpha_missing.R, sem_ordinal_groups.R and heldout_round2.R write
# to data/, data/ecsi_bank250.csv and ../data/servqual_perceptions_sq411.csv)
# Every model is fitted on the CSV files as read back, so R and Python see the same numbers.
# For each case: parameterEstimates(fit, standardized = TRUE) (est, se, z, std.lv, std.all), the
# fitMeasures servq reports for the estimator and lavaan's warnings; for the cases in mi_cases,
# modindices(fit) too.
# Cases:
#   sq411_mlr     - the 22-item five-factor SERVQUAL CFA of sq411 by MLR (on the data / 10, see rescaled);
#   sq411_fiml_mlr - tangibles and reliability (nine items) of data/sq411_missing.csv (15% blanks) by MLR
#                  with missing = "ml" (on the data / 10; servq takes 14 s for all 22 items, 350 patterns);
#   sq411_second_order_mlr - the same with a second-order factor quality of the five dimensions and
#                  sat ~ quality (overall satisfaction on service quality), MLR (on the data / 10);
#   sq411_parallel - the reliability items a05..a09 as strictly parallel measures: one labelled loading,
#                  residual variance and intercept for all five, std.lv = TRUE (on the data / 10);
#   sq411_ordinal - the 22-item CFA with every item ordered (0, 20, ..., 100: six categories), WLSMV;
#   ecsi_ml       - the ECSI model of data/ecsi_bank250.csv (image, expectations, quality, value,
#                  satisfaction, loyalty; quality -> value -> satisfaction -> loyalty) with := indirect
#                  and total effects, ML;
#   ecsi_mlr      - the same by MLR;
#   nonrecursive  - a non-recursive path model (y1 and y2 of PoliticalDemocracy cause each other,
#                  x1, x3 and x2 as instruments, correlated disturbances);
#   bfi_education - agreeableness and conscientiousness of bfi by education (five groups; the 223 rows
#                  without education left out, with lavaan's warning), equal loadings and intercepts;
#   groups_defined_mlr - HS by school with per-group labels c(l1, l2) and c(m1, m2) and := their
#                  difference and ratio, MLR;
#   groups_fixed_equal - HS by school with x2's loading fixed at 0.6 in the first group only (c(0.6, NA)) and
#                  equal loadings: lavaan's group.equal label ties the second group's to the fixed one, so
#                  both are 0.6;
#   pd_mlm_defined - the PoliticalDemocracy mediation (a, b, c) with := indirect and total, MLM;
#   holes_fiml_std_lv - HS with holes (sem_missing.R) by school, equal loadings and intercepts,
#                  std.lv = TRUE (latent means and variances free in the second group), ML with
#                  missing = "ml";
#   ordinal_bifactor - the ordered HS items (data/hs_ordinal.csv) as a bifactor model (g on all nine,
#                  textual and speed specific factors), orthogonal, std.lv, WLSMV;
#   ordinal_tau   - the ordered HS items with one label for the loadings of each factor (a*x1 + a*x2 + a*x3),
#                  WLSMV: the first loading is fixed at 1 (the marker), and lavaan fixes every parameter
#                  that shares a label with a fixed one at its value, so all loadings are 1 (tau-equivalent
#                  items, factor variances free);
#   tau_ml        - the same model of the continuous HS items, ML;
#   ordinal_groups_labels - the ordered HS items by school (data/hs_ordinal_school.csv), equal
#                  thresholds, and the loading of x2 made equal across the schools by c(a, a), WLSMV;
#   binary_groups - the binary HS items (data/hs_binary_school.csv) by school, configural, WLSMV;
#   theta         - the ordered HS CFA with parameterization = "theta": servq refuses theta and its
#                  docs say the delta fit has the same fit measures and standardized solution; the
#                  test compares servq's delta fit with this one on those (not est / se).
# rescaled: sq411 is on a 0-100 scale, where lavaan's nlminb stops early (sem.R: chisq 953.0822 for
# 953.0788; with rel.tol = 1e-14 it does not converge). Fitted on the data / 10 lavaan reaches the
# minimum; the results are reported on the original scale as sem.R does ((co)variances and their SEs
# times 100, intercepts times 10, std.lv times 10 per observed variable it involves, logl and
# unrestricted.logl minus (the number of answers given) log 10, aic, bic, bic2 plus twice that; χ², their
# scaled and robust versions, CFI, TLI, RMSEA, SRMR, z and std.all unchanged). With std.lv = TRUE the
# factors have unit variance on either scale: loadings and their SEs times 10, factor (co)variances unchanged.
suppressPackageStartupMessages({library(lavaan); library(jsonlite)})

hs <- read.csv("data/HolzingerSwineford1939.csv")
pd <- read.csv("data/PoliticalDemocracy.csv")
holes <- read.csv("data/HolzingerSwineford1939_holes.csv")
ho <- read.csv("data/hs_ordinal.csv")
ho_school <- read.csv("data/hs_ordinal_school.csv")
hb <- read.csv("data/hs_binary_school.csv")
bfi <- read.csv("data/bfi.csv")
ecsi <- read.csv("data/ecsi_bank250.csv")
sq <- read.csv("../data/servqual_perceptions_sq411.csv")
sq_missing <- read.csv("data/sq411_missing.csv")
xs <- paste0("x", 1:9)

hs_model <- "visual =~ x1 + x2 + x3
textual =~ x4 + x5 + x6
speed =~ x7 + x8 + x9"
sq_model <- "tangibles =~ a01 + a02 + a03 + a04
reliability =~ a05 + a06 + a07 + a08 + a09
responsiveness =~ a10 + a11 + a12 + a13
assurance =~ a14 + a15 + a16 + a17
empathy =~ a18 + a19 + a20 + a21 + a22"

standard <- c("npar", "chisq", "df", "pvalue", "baseline.chisq", "baseline.df", "baseline.pvalue", "cfi", "tli",
              "rmsea", "rmsea.ci.lower", "rmsea.ci.upper", "rmsea.pvalue", "srmr", "logl", "unrestricted.logl",
              "aic", "bic", "bic2", "ntotal")
scaled <- c("chisq.scaled", "df.scaled", "pvalue.scaled", "chisq.scaling.factor", "baseline.chisq.scaled",
            "baseline.df.scaled", "baseline.pvalue.scaled", "baseline.chisq.scaling.factor", "cfi.scaled",
            "tli.scaled", "rmsea.scaled")
robust <- c(standard, scaled, "cfi.robust", "tli.robust", "rmsea.robust")
ordinal <- c("npar", "chisq", "df", "pvalue", "chisq.scaled", "df.scaled", "pvalue.scaled",
             "chisq.scaling.factor", "baseline.chisq", "baseline.df", "baseline.pvalue", "baseline.chisq.scaled",
             "baseline.df.scaled", "cfi", "tli", "rmsea", "cfi.scaled", "tli.scaled", "rmsea.scaled", "srmr")

fits <- list()  # the lavaan objects, for modindices

# each case with lavaan's warnings of its fit (a JSON array even of one or none)
describe <- function(name, fit_call, model, args, measures = standard) {
  caught <- character(0)
  fit <- withCallingHandlers(fit_call, warning = function(w) {
    caught <<- c(caught, conditionMessage(w)); invokeRestart("muffleWarning") })
  fits[[name]] <<- fit
  pe <- parameterEstimates(fit, standardized = TRUE)
  if (is.null(pe$group)) pe$group <- 1L
  if (is.null(pe$label)) pe$label <- ""
  fm <- fitMeasures(fit, measures)
  pe <- pe[, c("lhs", "op", "rhs", "group", "label", "est", "se", "z", "std.lv", "std.all")]
  names(pe) <- sub("std.", "std_", names(pe), fixed = TRUE)  # as tests/sem_golden_helpers.py reads them
  list(model = model, args = args, estimates = pe, fit = as.list(setNames(as.numeric(fm), names(fm))),
       warnings = I(caught))
}

# a case fitted on data / k and reported on the scale of data (see the header): each variable has a unit,
# k for an observed one and for a factor identified by a marker, 1 for a factor of unit variance (std.lv)
rescaled <- function(name, call, model, args, measures, data, k = 10) {
  out <- describe(name, call, model, args, measures)
  fit <- fits[[name]]
  e <- out$estimates
  ov <- lavNames(fit)
  lv <- lavNames(fit, "lv")
  unit <- function(v, std_lv) ifelse(v %in% ov, k, ifelse(v %in% lv & !std_lv, k, 1))
  scale <- function(std_lv) {
    l <- unit(e$lhs, std_lv); r <- unit(e$rhs, std_lv)
    ifelse(e$op == "=~", r / l, ifelse(e$op == "~", l / r, ifelse(e$op == "~1", l, ifelse(e$op == "~~", l * r, 1))))
  }
  f <- scale(isTRUE(args$std_lv))
  e$est <- e$est * f
  e$se <- e$se * f
  e$std_lv <- e$std_lv * scale(TRUE)
  out$estimates <- e
  shift <- sum(!is.na(data[ov])) * log(k)  # the answers given
  for (m in c("logl", "unrestricted.logl")) out$fit[[m]] <- out$fit[[m]] - shift
  for (m in c("aic", "bic", "bic2")) out$fit[[m]] <- out$fit[[m]] + 2 * shift
  out
}

cases <- list()

cases$sq411_mlr <- rescaled("sq411_mlr", cfa(sq_model, data = sq / 10, estimator = "MLR"), sq_model,
                            list(data = "sq", estimator = "MLR"), robust, sq)
sq_two <- "tangibles =~ a01 + a02 + a03 + a04
reliability =~ a05 + a06 + a07 + a08 + a09"
cases$sq411_fiml_mlr <- rescaled("sq411_fiml_mlr", cfa(sq_two, data = sq_missing / 10, estimator = "MLR", missing = "ml"),
                                 sq_two, list(data = "sq_missing", estimator = "MLR", missing = "ml"), robust,
                                 sq_missing)
second <- paste(sq_model, "quality =~ tangibles + reliability + responsiveness + assurance + empathy
sat ~ quality", sep = "\n")
cases$sq411_second_order_mlr <- rescaled("sq411_second_order_mlr", sem(second, data = sq / 10, estimator = "MLR"), second,
                                         list(data = "sq", estimator = "MLR"), robust, sq)
parallel <- "reliability =~ l*a05 + l*a06 + l*a07 + l*a08 + l*a09
a05 ~~ e*a05
a06 ~~ e*a06
a07 ~~ e*a07
a08 ~~ e*a08
a09 ~~ e*a09
a05 ~ i*1
a06 ~ i*1
a07 ~ i*1
a08 ~ i*1
a09 ~ i*1"
cases$sq411_parallel <- rescaled("sq411_parallel", cfa(parallel, data = sq / 10, std.lv = TRUE), parallel,
                                 list(data = "sq", std_lv = TRUE), standard, sq)
sq_items <- sprintf("a%02d", 1:22)
cases$sq411_ordinal <- describe("sq411_ordinal", cfa(sq_model, data = sq[sq_items], ordered = sq_items), sq_model,
                                list(data = "sq", ordered = TRUE, estimator = "WLSMV"), ordinal)

ecsi_model <- "image =~ imag1 + imag2 + imag3 + imag4 + imag5
expectation =~ expe1 + expe2 + expe3 + expe4 + expe5
quality =~ qual1 + qual2 + qual3 + qual4 + qual5
value =~ val1 + val2 + val3 + val4
satisfaction =~ sat1 + sat2 + sat3 + sat4
loyalty =~ loy1 + loy2 + loy3 + loy4
expectation ~ image
quality ~ expectation
value ~ expectation + qv*quality
satisfaction ~ image + expectation + qs*quality + vs*value
loyalty ~ image + sl*satisfaction
via_value := qv*vs
quality_total := qs + qv*vs
on_loyalty := (qs + qv*vs)*sl"
cases$ecsi_ml <- describe("ecsi_ml", sem(ecsi_model, data = ecsi), ecsi_model, list(data = "ecsi"))
cases$ecsi_mlr <- describe("ecsi_mlr", sem(ecsi_model, data = ecsi, estimator = "MLR"), ecsi_model,
                           list(data = "ecsi", estimator = "MLR"), robust)

nonrecursive <- "y1 ~ y2 + x1 + x3
y2 ~ y1 + x2
y1 ~~ y2"
cases$nonrecursive <- describe("nonrecursive", sem(nonrecursive, data = pd), nonrecursive, list(data = "pd"))

ac <- "agree =~ A1 + A2 + A3 + A4 + A5
consc =~ C1 + C2 + C3 + C4 + C5"
cases$bfi_education <- describe("bfi_education", cfa(ac, data = bfi, group = "education",
                                                     group.equal = c("loadings", "intercepts")),
                                ac, list(data = "bfi", group = "education", group_equal = list("loadings", "intercepts")))

gd <- "visual =~ x1 + c(l1, l2)*x2 + c(m1, m2)*x3
textual =~ x4 + x5 + x6
speed =~ x7 + x8 + x9
dl := l1 - l2
dm := m1 - m2
ratio := l1 / l2"
cases$groups_defined_mlr <- describe("groups_defined_mlr", cfa(gd, data = hs, group = "school", estimator = "MLR"), gd,
                                     list(data = "hs", group = "school", estimator = "MLR"), robust)

fixed_equal <- "visual =~ x1 + c(0.6, NA)*x2 + x3
textual =~ x4 + x5 + x6
speed =~ x7 + x8 + x9"
cases$groups_fixed_equal <- describe("groups_fixed_equal", cfa(fixed_equal, data = hs, group = "school", group.equal = "loadings"),
                                     fixed_equal, list(data = "hs", group = "school", group_equal = list("loadings")))

mediation <- "ind60 =~ x1 + x2 + x3
dem60 =~ y1 + y2 + y3 + y4
dem65 =~ y5 + y6 + y7 + y8
dem60 ~ a*ind60
dem65 ~ c*ind60 + b*dem60
y1 ~~ y5
ab := a*b
total := c + a*b"
cases$pd_mlm_defined <- describe("pd_mlm_defined", sem(mediation, data = pd, estimator = "MLM"), mediation,
                                 list(data = "pd", estimator = "MLM"), robust)

cases$holes_fiml_std_lv <- describe("holes_fiml_std_lv",
                                    cfa(hs_model, data = holes, group = "school", group.equal = c("loadings", "intercepts"),
                                        std.lv = TRUE, missing = "ml"),
                                    hs_model, list(data = "holes", group = "school", group_equal = list("loadings", "intercepts"),
                                                   std_lv = TRUE, missing = "ml"))

bifactor <- "textual =~ x4 + x5 + x6
speed =~ x7 + x8 + x9
g =~ x1 + x2 + x3 + x4 + x5 + x6 + x7 + x8 + x9"
cases$ordinal_bifactor <- describe("ordinal_bifactor", cfa(bifactor, data = ho, ordered = xs, orthogonal = TRUE, std.lv = TRUE),
                                   bifactor, list(data = "ho", ordered = TRUE, orthogonal = TRUE, std_lv = TRUE), ordinal)

tau <- "visual =~ a*x1 + a*x2 + a*x3
textual =~ b*x4 + b*x5 + b*x6
speed =~ c*x7 + c*x8 + c*x9"
cases$ordinal_tau <- describe("ordinal_tau", cfa(tau, data = ho, ordered = xs), tau,
                              list(data = "ho", ordered = TRUE), ordinal)
cases$tau_ml <- describe("tau_ml", cfa(tau, data = hs), tau, list(data = "hs"))

og <- "visual =~ x1 + c(a, a)*x2 + x3
textual =~ x4 + x5 + x6
speed =~ x7 + x8 + x9"
cases$ordinal_groups_labels <- describe("ordinal_groups_labels",
                                        cfa(og, data = ho_school, ordered = xs, group = "school", group.equal = "thresholds"),
                                        og, list(data = "ho_school", ordered = TRUE, group = "school",
                                                 group_equal = list("thresholds")), ordinal)

cases$binary_groups <- describe("binary_groups", cfa(hs_model, data = hb, ordered = xs, group = "school"), hs_model,
                                list(data = "hb", ordered = TRUE, group = "school"), ordinal)

cases$theta <- describe("theta", cfa(hs_model, data = ho, ordered = xs, parameterization = "theta"), hs_model,
                        list(data = "ho", ordered = TRUE, parameterization = "theta"), ordinal)

# modindices(fit) (NA rows left out, as modindices() does)
modification_indices <- function(fit) {
  mi <- as.data.frame(modindices(fit))
  if (is.null(mi$group)) mi$group <- 1L
  list(lhs = mi$lhs, op = mi$op, rhs = mi$rhs, group = mi$group, mi = mi$mi, epc = mi$epc, sepc_lv = mi$sepc.lv,
       sepc_all = mi$sepc.all)
}
mi_cases <- c("ecsi_ml", "ecsi_mlr", "nonrecursive", "bfi_education", "pd_mlm_defined", "ordinal_bifactor",
              "ordinal_tau", "tau_ml")
modindices_cases <- setNames(lapply(mi_cases, function(k) modification_indices(fits[[k]])), mi_cases)

out <- list(lavaan = as.character(packageVersion("lavaan")), cases = cases, modindices = modindices_cases)
write(toJSON(out, dataframe = "columns", auto_unbox = TRUE, digits = NA, na = "null",
             null = "null", pretty = FALSE), "sem_heldout2.json")
