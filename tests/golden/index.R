# Reference values for servq's evaluation index systems (tests/indexsystem/test_golden.py).
#
# Reads the shipped systems (src/servq/indexsystem/catalog/*.yaml) with the yaml package and
# computes, with base R only:
# - AHP for every node with pairwise judgements: eigen() principal eigenvector (normalised
#   to sum 1), lambda_max, CI = (lambda_max - n)/(n - 1), CR = CI / RI(n);
# - the fuzzy comprehensive evaluation of examples/telecom_enterprise.csv with both
#   operators: memberships (answer shares per grade, blanks and code 0 left out),
#   B = W o R up the tree, score = sum(b * grade values), global weights, contributions.
# Run from the repository root:  Rscript tests/golden/index.R  (writes tests/golden/index.json)
library(yaml)
library(jsonlite)

root <- getwd()
catalog <- file.path(root, "src", "servq", "indexsystem", "catalog")
RI <- c(0, 0, .58, .90, 1.12, 1.24, 1.32, 1.41, 1.45, 1.49, 1.51)

num <- function(x) sapply(x, function(v) if (is.character(v)) eval(parse(text = v)) else as.numeric(v))

ahp_matrix <- function(j, n) {
  if (!is.null(j$matrix)) return(matrix(num(unlist(j$matrix)), n, n, byrow = TRUE))
  a <- diag(n)
  u <- num(j$upper)
  k <- 1
  for (i in 1:(n - 1)) for (m in (i + 1):n) {
    a[i, m] <- u[k]
    a[m, i] <- 1 / u[k]
    k <- k + 1
  }
  a
}

ahp <- function(a) {
  e <- eigen(a)
  k <- which.max(Re(e$values))
  v <- abs(Re(e$vectors[, k]))
  n <- nrow(a)
  lam <- Re(e$values[k])
  ci <- if (n > 2) (lam - n) / (n - 1) else 0
  list(weights = v / sum(v), lambda_max = lam, ci = ci, cr = if (RI[n] > 0) ci / RI[n] else 0)
}

local_weights <- function(node) {
  ids <- sapply(node$children, function(c) c$id)
  if (!is.null(node$weights)) {
    w <- unlist(node$weights)[ids]
    return(list(weights = as.numeric(w / sum(w))))
  }
  ahp(ahp_matrix(node$ahp, length(ids)))
}

ahp_nodes <- function(node, out = list()) {
  if (!is.null(node$ahp)) out[[node$id]] <- ahp(ahp_matrix(node$ahp, length(node$children)))
  for (child in node$children) out <- ahp_nodes(child, out)
  out
}

evaluate <- function(sys, data, operator) {
  lo <- sys$scale$min
  hi <- sys$scale$max
  missing <- unlist(sys$scale$missing)
  grade_of <- integer(hi - lo + 1)
  for (j in seq_along(sys$grades)) for (a in sys$grades[[j]]$answers) grade_of[a - lo + 1] <- j
  values <- sapply(sys$grades, function(g) g$value)
  k <- length(values)
  combine <- function(w, R) {
    b <- if (operator == "weighted_average") as.vector(w %*% R) else apply(R, 2, function(col) max(pmin(w, col)))
    b / sum(b)
  }
  b_of <- list()
  walk_b <- function(node) {
    if (!is.null(node$column)) {
      x <- data[[node$column]]
      x <- x[!is.na(x) & !(x %in% missing)]
      if (isTRUE(node$reverse)) x <- lo + hi - x
      counts <- tabulate(grade_of[x - lo + 1], nbins = k)
      b <- counts / sum(counts)
    } else {
      R <- t(sapply(node$children, walk_b))
      b <- combine(local_weights(node)$weights, R)
    }
    b_of[[node$id]] <<- b
    b
  }
  walk_b(sys$criteria)
  rows <- list()
  walk_out <- function(node, w, gw) {
    b <- b_of[[node$id]]
    s <- sum(b * values)
    rows[[length(rows) + 1]] <<- list(id = node$id, weight = w, global_weight = gw, membership = b,
                                      score = s, contribution = gw * s)
    if (is.null(node$column)) {
      lw <- local_weights(node)$weights
      for (i in seq_along(node$children)) walk_out(node$children[[i]], lw[i], gw * lw[i])
    }
  }
  walk_out(sys$criteria, 1, 1)
  rows
}

systems <- list()
for (id in c("telecom-enterprise", "customer-delivered-value")) {
  systems[[id]] <- yaml.load_file(file.path(catalog, paste0(id, ".yaml")))
}
telecom <- read.csv(file.path(root, "examples", "telecom_enterprise.csv"), na.strings = "")
out <- list(
  ahp = lapply(systems, function(s) ahp_nodes(s$criteria)),
  telecom = list(
    weighted_average = evaluate(systems[["telecom-enterprise"]], telecom, "weighted_average"),
    min_max = evaluate(systems[["telecom-enterprise"]], telecom, "min_max")
  ),
  r_version = R.version.string
)
write_json(out, file.path(root, "tests", "golden", "index.json"), digits = NA, auto_unbox = TRUE, pretty = TRUE)
cat("wrote tests/golden/index.json\n")
