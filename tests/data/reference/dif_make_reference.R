# Reference values for tests/analysis/test_dif.py, computed with base R only (stats package).
# Run from the repository root:  Rscript tests/data/reference/dif_make_reference.R
# Produced with R 4.2.2 (Debian bookworm r-base-core 4.2.2.20221110-2).
# Data: tests/data/data_sat12_scored.csv (SAT12, 600 x 32, distributed with R mirt).
# Grouping (arbitrary, for numerical agreement only): candidate rows 1, 3, 5, ... (1-based)
# are the focal group "odd", rows 2, 4, 6, ... the reference group "even".
# Matching score: the total score over all 32 items (studied item included).
x <- read.csv("tests/data/data_sat12_scored.csv")
grp <- factor(ifelse(seq_len(nrow(x)) %% 2 == 1, "odd", "even"), levels = c("even", "odd"))
total <- rowSums(x)
out <- "tests/data/reference/dif_sat12_r.csv"
hdr <- c(
  "# Mantel-Haenszel and logistic-regression reference values for SAT12 (see dif_make_reference.R)",
  "# mh_*: stats::mantelhaen.test(table(group, response, total), correct = TRUE), strata with < 2 candidates dropped",
  "#   mh_estimate = MH common odds ratio (reference 'even' vs focal 'odd'), mh_conf_* = its 95% RBG interval",
  "# dev*: stats::glm(binomial) deviances: devnull = intercept only, dev0 = ~ total, dev1 = ~ total + group, dev2 = ~ total * group",
  "# produced with R 4.2.2 (Debian r-base-core 4.2.2.20221110-2)"
)
rows <- character(0)
for (it in names(x)) {
  y <- factor(x[[it]], levels = c(1, 0))
  tab <- table(grp, y, total)
  keep <- apply(tab, 3, sum) > 1
  tab <- tab[, , keep, drop = FALSE]
  mh <- mantelhaen.test(tab, correct = TRUE)
  yy <- x[[it]]
  g <- as.numeric(grp == "odd")
  d_null <- glm(yy ~ 1, family = binomial)$deviance
  d0 <- glm(yy ~ total, family = binomial)$deviance
  d1 <- glm(yy ~ total + g, family = binomial)$deviance
  d2 <- glm(yy ~ total * g, family = binomial)$deviance
  rows <- c(rows, sprintf("%s,%.12g,%.12g,%.12g,%.12g,%.12g,%.12g,%.12g,%.12g,%.12g", it,
    mh$statistic, mh$p.value, mh$estimate, mh$conf.int[1], mh$conf.int[2], d_null, d0, d1, d2))
}
writeLines(c(hdr, "item,mh_chi2,mh_p,mh_estimate,mh_conf_low,mh_conf_high,devnull,dev0,dev1,dev2", rows), out)

# The hand-computed 2x2x2 example of test_dif.py, every count times 4 (see the test).
tab <- array(c(24, 12, 16, 28,  32, 24, 8, 16), dim = c(2, 2, 2),
             dimnames = list(group = c("ref", "foc"), response = c("right", "wrong"), stratum = c("1", "2")))
mh <- mantelhaen.test(tab, correct = TRUE)
writeLines(c(
  "# stats::mantelhaen.test(correct = TRUE) on the 2x2x2 table of test_dif.py (counts x 4); R 4.2.2",
  "# stratum 1: ref right/wrong 24/16, focal right/wrong 12/28; stratum 2: ref 32/8, focal 24/16",
  "mh_chi2,mh_p,mh_estimate,mh_conf_low,mh_conf_high",
  sprintf("%.12g,%.12g,%.12g,%.12g,%.12g", mh$statistic, mh$p.value, mh$estimate, mh$conf.int[1], mh$conf.int[2])),
  "tests/data/reference/dif_hand_2x2x2_r.csv")
