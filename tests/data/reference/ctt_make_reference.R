# Reference values for tests/analysis/test_ctt.py, computed with R and the psych package.
#
# Run from the repository root:
#   Rscript tests/data/reference/ctt_make_reference.R
# It rewrites the JSON files next to this script. The tests only read the JSON files, so
# they never need R. Software used (Debian packages r-base-core, r-cran-psych,
# r-cran-jsonlite): see the "provenance" entry written into every file.
suppressPackageStartupMessages({
  library(psych)
  library(jsonlite)
})

out_dir <- "tests/data/reference"
provenance <- list(
  r_version = R.version.string,
  psych_version = as.character(packageVersion("psych")),
  jsonlite_version = as.character(packageVersion("jsonlite")),
  script = "tests/data/reference/ctt_make_reference.R",
  generated = format(Sys.time(), "%Y-%m-%d", tz = "UTC")
)
write_ref <- function(x, name) {
  x$provenance <- provenance
  write(toJSON(x, digits = NA, auto_unbox = TRUE, na = "null", pretty = TRUE),
        file.path(out_dir, name))
}

scored <- read.csv("tests/data/data_sat12_scored.csv")
raw <- read.csv("tests/data/data_sat12_raw.csv")
key <- read.csv("tests/data/data_sat12_key.csv")
items <- colnames(scored)

## 1. psych::alpha, splitHalf and base-R coefficients on the complete scored SAT12 data.
a <- psych::alpha(scored, check.keys = FALSE, warnings = FALSE)
sh <- psych::splitHalf(scored, covar = TRUE)  # covar = TRUE: raw (unstandardised) lambda2
total <- rowSums(scored)
odd <- seq(1, ncol(scored), by = 2)
even <- seq(2, ncol(scored), by = 2)
r_oe <- cor(rowSums(scored[, odd]), rowSums(scored[, even]))
p <- colMeans(scored)
kr20 <- ncol(scored) / (ncol(scored) - 1) *
  (1 - sum(p * (1 - p)) / (var(total) * (nrow(scored) - 1) / nrow(scored)))
write_ref(list(
  description = paste(
    "SAT12 scored 0/1 (600 x 32, tests/data/data_sat12_scored.csv).",
    "psych::alpha(scored, check.keys = FALSE): total raw_alpha, item.stats (n, raw.r, r.drop,",
    "mean, sd), alpha.drop raw_alpha. psych::splitHalf(scored, covar = TRUE)$lambda2.",
    "Base R: odd-even split half 2r/(1+r) with r = cor(rowSums of items 1,3,..; 2,4,..),",
    "sem = sd(rowSums) * sqrt(1 - raw_alpha), KR-20 with population p(1-p) and var(T)."
  ),
  items = items,
  raw_alpha = a$total$raw_alpha,
  lambda2 = sh$lambda2,
  split_half_odd_even = 2 * r_oe / (1 + r_oe),
  sem = sd(total) * sqrt(1 - a$total$raw_alpha),
  kr20 = kr20,
  n_candidates = nrow(scored),
  item_n = a$item.stats$n,
  item_raw_r = a$item.stats$raw.r,
  item_r_drop = a$item.stats$r.drop,
  item_mean = a$item.stats$mean,
  item_sd = a$item.stats$sd,
  alpha_drop = a$alpha.drop$raw_alpha
), "psych_sat12_alpha.json")

## 2. The same data as three forms: rows 1-200 did not get items 1-4, rows 201-400 did not
##    get items 29-32, rows 401-600 got everything (NA = not presented).
forms <- scored
forms[1:200, 1:4] <- NA
forms[201:400, 29:32] <- NA
af <- psych::alpha(forms, check.keys = FALSE, warnings = FALSE)  # pairwise covariances
shf <- psych::splitHalf(forms, covar = TRUE)
tot_f <- rowSums(forms, na.rm = TRUE)  # total = sum over the items a candidate saw
rit_f <- sapply(seq_along(items), function(j) cor(forms[, j], tot_f, use = "complete.obs"))
rir_f <- sapply(seq_along(items), function(j) cor(forms[, j], tot_f - forms[, j], use = "complete.obs"))
write_ref(list(
  description = paste(
    "SAT12 scored with NA for items not presented: rows 1-200 lack items 1-4, rows 201-400",
    "lack items 29-32. psych::alpha (pairwise covariances): raw_alpha, alpha.drop raw_alpha.",
    "psych::splitHalf(covar = TRUE)$lambda2. Base R: rit/rir = cor(x_j, T) and",
    "cor(x_j, T - x_j) over candidates who saw j, T = rowSums(na.rm = TRUE);",
    "item n, mean, sd over those candidates."
  ),
  items = items,
  raw_alpha = af$total$raw_alpha,
  lambda2 = shf$lambda2,
  alpha_drop = af$alpha.drop$raw_alpha,
  item_n = unname(colSums(!is.na(forms))),
  item_mean = unname(colMeans(forms, na.rm = TRUE)),
  item_sd = unname(apply(forms, 2, sd, na.rm = TRUE)),
  item_rit = rit_f,
  item_rir = rir_f
), "psych_sat12_forms_alpha.json")

## 3. Distractors on raw SAT12, code 8 (omitted / not reached) as NA.
choices <- raw
choices[choices == 8] <- NA
keyv <- setNames(key$key, key$item)
sc <- sapply(items, function(it) as.integer(!is.na(choices[[it]]) & choices[[it]] == keyv[[it]]))
stopifnot(all(sc == as.matrix(scored)))  # the scored file is the raw file scored with the key
tot <- rowSums(sc)
n <- length(tot)
# Mid-percentile rank groups (the convention documented in analysis/distractors.py),
# written independently here with rank(ties = "average"): PR = (rank - 0.5) / n.
pr <- (rank(tot, ties.method = "average") - 0.5) / n
grp <- ifelse(pr < 0.27, "low", ifelse(pr > 0.73, "high", "mid"))
rows <- list()
for (j in seq_along(items)) {
  it <- items[j]
  ch <- choices[[it]]
  rest <- tot - sc[, j]
  opts <- sort(unique(c(ch[!is.na(ch)], keyv[[it]])))
  for (o in c(as.list(opts), list(NA))) {
    chose <- if (is.na(o)) is.na(ch) else (!is.na(ch) & ch == o)
    rar <- if (sum(chose) %in% c(0, n)) NA else cor(as.numeric(chose), rest)
    rows[[length(rows) + 1]] <- list(
      item = it,
      option = if (is.na(o)) "omitted" else o,
      is_key = !is.na(o) && o == keyv[[it]],
      n = sum(chose),
      proportion = mean(chose),
      prop_low = mean(chose[grp == "low"]),
      prop_mid = mean(chose[grp == "mid"]),
      prop_high = mean(chose[grp == "high"]),
      rar = rar,
      mean_total = if (sum(chose) > 0) mean(tot[chose]) else NA
    )
  }
}
freq <- psych::response.frequencies(choices, max = 10)
write_ref(list(
  description = paste(
    "SAT12 raw choices (tests/data/data_sat12_raw.csv) with code 8 as NA (omitted),",
    "scored with tests/data/data_sat12_key.csv. Base R per item x option (options = labels",
    "seen plus the key, then one 'omitted' row): n, proportion, proportion in the",
    "low/mid/high group (mid-percentile rank of the total < .27 / else / > .73, via",
    "rank(ties = 'average')), rar = cor(chose, total - item score), mean_total.",
    "psych::response.frequencies(choices): share of each label among non-missing answers."
  ),
  group_sizes = as.list(table(grp)),
  rows = rows,
  response_frequencies = list(
    labels = colnames(freq),
    items = rownames(freq),
    values = unname(as.matrix(freq))
  )
), "r_sat12_distractors.json")

## 4. Score distribution of the SAT12 totals: R's quantile (type 7) and table.
probs <- c(0.05, 0.10, 0.25, 0.50, 0.75, 0.90, 0.95)
write_ref(list(
  description = paste(
    "Totals of SAT12 scored (rowSums). mean, sd, min, max, quantile(type = 7) at",
    "5,10,25,50,75,90,95 %, and the count of each total 0..32 (tabulate)."
  ),
  mean = mean(total), sd = sd(total), min = min(total), max = max(total),
  percent = probs * 100,
  quantile = unname(quantile(total, probs, type = 7)),
  counts = tabulate(total + 1, nbins = 33)
), "r_sat12_score_distribution.json")
