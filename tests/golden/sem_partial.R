# Reference values for tests/stats/test_sem_partial.py, computed with lavaan 0.6-14:
# group.partial (parameters freed from group.equal), lavTestScore's univariate score tests
# of the equality constraints, and the partial-invariance search of servq.invariance
# (partial = TRUE) carried out in R by iterating lavTestScore and refits.
# Run from this folder: Rscript sem_partial.R   (writes sem_partial.json; reads the CSV files
# that sem.R writes to data/).
# Search rule (as servq.invariance): a step holds when the chi-square difference against the
# less constrained model has p >= .05 or CFI drops by no more than .01. While it fails, free
# the equality of the step's kind (loadings at metric, intercepts at scalar) with the largest
# univariate score statistic, provided every factor keeps at least one equal parameter of
# that kind, refit and compare again. Scalar is searched on top of the (partial) metric model.
suppressPackageStartupMessages({library(lavaan); library(jsonlite)})

hs <- read.csv("data/HolzingerSwineford1939.csv")
model <- "visual =~ x1 + x2 + x3
textual =~ x4 + x5 + x6
speed =~ x7 + x8 + x9"

measures <- c("chisq", "df", "pvalue", "cfi", "tli", "rmsea", "srmr", "logl", "npar")

describe <- function(fit, args) {
  pe <- parameterEstimates(fit)
  fm <- fitMeasures(fit, measures)
  list(model = model, args = args,
       estimates = pe[, c("lhs", "op", "rhs", "group", "est", "se", "z")],
       fit = as.list(setNames(as.numeric(fm), names(fm))))
}

param_name <- function(pt, i) {
  if (pt$op[i] == "~1") paste(pt$lhs[i], "~ 1") else paste(pt$lhs[i], pt$op[i], pt$rhs[i])
}

# univariate score tests with the constrained parameter named as in group.partial
scores <- function(fit) {
  uni <- as.data.frame(lavTestScore(fit)$uni)
  pt <- parTable(fit)
  i <- match(uni$lhs, pt$plabel)
  data.frame(constraint = paste(uni$lhs, uni$op, uni$rhs), param = sapply(i, function(k) param_name(pt, k)),
             op = pt$op[i], lhs = pt$lhs[i], rhs = pt$rhs[i], X2 = uni$X2, df = uni$df,
             p.value = uni$p.value, stringsAsFactors = FALSE)
}

compare <- function(fit, ref) {
  a <- fitMeasures(fit, c("chisq", "df", "cfi"))
  b <- fitMeasures(ref, c("chisq", "df", "cfi"))
  d <- as.numeric(a - b)
  p <- pchisq(max(d[1], 0), d[2], lower.tail = FALSE)
  list(chisq = a[["chisq"]], df = a[["df"]], cfi = a[["cfi"]], chisq_diff = d[1], df_diff = d[2],
       pvalue = p, cfi_diff = d[3], holds = (p >= 0.05) || (d[3] >= -0.01))
}

search <- function(data, group, equal, kind, partial, ref) {
  steps <- list()
  lv_of <- function(fit) {
    pt <- parTable(fit)
    pt[pt$op == "=~" & pt$group == 1, c("lhs", "rhs")]
  }
  repeat {
    fit <- cfa(model, data, group = group, group.equal = equal, group.partial = partial)
    step <- c(list(group_partial = as.list(partial)), compare(fit, ref))
    if (step$holds) {
      steps <- append(steps, list(step))
      break
    }
    sc <- scores(fit)
    cand <- sc[if (kind == "loadings") sc$op == "=~" else sc$op == "~1", ]
    load <- lv_of(fit)
    factors <- function(k) if (cand$op[k] == "=~") cand$lhs[k] else load$lhs[load$rhs == cand$lhs[k]]
    members <- function(f) if (kind == "loadings") sum(cand$lhs == f) else sum(cand$lhs %in% load$rhs[load$lhs == f])
    ok <- sapply(seq_len(nrow(cand)), function(k) all(sapply(factors(k), members) > 1))
    step$scores <- cand[, c("param", "X2", "df", "p.value")]
    if (!any(ok)) {
      steps <- append(steps, list(step))
      break
    }
    best <- which(ok)[which.max(cand$X2[ok])]
    step$free <- cand$param[best]
    step$score <- cand$X2[best]
    partial <- c(partial, cand$param[best])
    steps <- append(steps, list(step))
  }
  list(steps = steps, group_partial = as.list(partial), holds = step$holds, fit = fit)
}

invariance_search <- function(data, group) {
  configural <- cfa(model, data, group = group)
  metric0 <- cfa(model, data, group = group, group.equal = "loadings")
  m <- search(data, group, "loadings", "loadings", character(0), configural)
  out <- list(metric = m[c("steps", "group_partial", "holds")])
  level <- "configural"
  if (m$holds) {
    level <- if (length(m$group_partial)) "partial metric" else "metric"
    s <- search(data, group, c("loadings", "intercepts"), "intercepts", unlist(m$group_partial), m$fit)
    out$scalar <- s[c("steps", "group_partial", "holds")]
    if (s$holds) level <- if (length(s$group_partial)) "partial scalar" else "scalar"
  }
  out$level <- level
  out$args <- list(data = "hs", group = group)
  out
}

partial <- c("x2 ~ 1", "visual =~ x2")
partial2 <- c("x3 ~~ x3", "x7 ~ 1", "textual =~ x5")
scalar <- cfa(model, hs, group = "school", group.equal = c("loadings", "intercepts"))
metric <- cfa(model, hs, group = "school", group.equal = "loadings")

cases <- list(
  partial = describe(cfa(model, hs, group = "school", group.equal = c("loadings", "intercepts"),
                         group.partial = partial),
                     list(data = "hs", group = "school", group_equal = c("loadings", "intercepts"),
                          group_partial = partial)),
  partial_residuals = describe(cfa(model, hs, group = "sex",
                                   group.equal = c("loadings", "intercepts", "residuals"),
                                   group.partial = partial2),
                               list(data = "hs", group = "sex",
                                    group_equal = c("loadings", "intercepts", "residuals"),
                                    group_partial = partial2)))

out <- list(lavaan = as.character(packageVersion("lavaan")), model = model, cases = cases,
            score = list(scalar = scores(scalar), metric = scores(metric)),
            search = list(school = invariance_search(hs, "school"), sex = invariance_search(hs, "sex")))
write(toJSON(out, dataframe = "columns", auto_unbox = TRUE, digits = NA, na = "null",
             null = "null", pretty = FALSE), "sem_partial.json")
