# The oracle of tests/test_synthesis_metafor.py: every analysis of ANALYSES.csv fitted by metafor.
#   Rscript tests/metafor_oracle.R STUDIES.csv ANALYSES.csv OUT.csv
# STUDIES.csv: dataset,kind,a,n1,c,n2,m1,sd1,m2,sd2,yi,vi (one row per study; unused columns empty)
# ANALYSES.csv: id,dataset,measure,method,hk,converge
#   method FE, DL, REML, PM or MH; hk 1 = test="knha"; converge 1 = PM iterated to convergence
#   (control=list(tol=1e-12, maxiter=10000)); otherwise metafor's defaults. Ratio measures are fitted
#   with escalc(drop00=TRUE), the setting that reproduces the project's leaving out of double-zero studies.
# OUT.csv: one row per analysis; error holds metafor's message where it refused (then the rest is NA).
suppressMessages(library(metafor))
args <- commandArgs(trailingOnly = TRUE)
studies <- read.csv(args[1], stringsAsFactors = FALSE)
analyses <- read.csv(args[2], stringsAsFactors = FALSE)
fields <- c("k", "estimate", "se", "ci_lower", "ci_upper", "z", "p", "tau2", "i2", "h2", "q", "q_p",
            "pi_lower", "pi_upper")

fit_one <- function(a) {
  d <- studies[studies$dataset == a$dataset, ]
  if (a$method == "MH") {
    fit <- rma.mh(measure = a$measure, ai = d$a, n1i = d$n1, ci = d$c, n2i = d$n2)
  } else {
    if (d$kind[1] == "binary") {
      es <- escalc(measure = a$measure, ai = d$a, n1i = d$n1, ci = d$c, n2i = d$n2,
                   drop00 = a$measure %in% c("RR", "OR"))
    } else if (d$kind[1] == "continuous") {
      es <- escalc(measure = a$measure, m1i = d$m1, sd1i = d$sd1, n1i = d$n1, m2i = d$m2, sd2i = d$sd2, n2i = d$n2)
    } else {
      es <- data.frame(yi = d$yi, vi = d$vi)
    }
    control <- if (a$converge == 1) list(tol = 1e-12, maxiter = 10000) else list()
    fit <- rma(yi, vi, data = es, method = a$method, test = if (a$hk == 1) "knha" else "z", control = control)
  }
  pred <- if (a$method %in% c("DL", "REML", "PM")) predict(fit) else list(pi.lb = NA, pi.ub = NA)
  tau2 <- if (a$method %in% c("DL", "REML", "PM")) fit$tau2 else NA
  w <- weights(fit)
  list(values = c(fit$k, fit$beta[1], fit$se, fit$ci.lb, fit$ci.ub, fit$zval, fit$pval, tau2, fit$I2, fit$H2,
                  fit$QE, fit$QEp, pred$pi.lb, pred$pi.ub),
       weights = paste(sprintf("%.17g", w[!is.na(w)]), collapse = "|"))
}

rows <- lapply(seq_len(nrow(analyses)), function(i) {
  a <- analyses[i, ]
  result <- tryCatch(suppressWarnings(fit_one(a)), error = function(e) conditionMessage(e))
  if (is.character(result)) {
    out <- as.list(setNames(rep(NA_real_, length(fields)), fields))
    weights <- ""
    error <- gsub("[\r\n,]+", " ", result)
  } else {
    out <- as.list(setNames(as.numeric(result$values), fields))
    weights <- result$weights
    error <- ""
  }
  data.frame(id = a$id, out, weights = weights, error = error, stringsAsFactors = FALSE)
})
write.csv(do.call(rbind, rows), args[3], row.names = FALSE, na = "")
