"""Every word the dashboard, its charts and the reports show, in one place, ready for translation.

Committees speak Dutch; the UI is plain English with the Dutch term where it helps
(cut score / cesuur). A translation is a second mapping with the same keys.
"""

from __future__ import annotations

from collections.abc import Mapping

from analysis.distractors import SCORE_GROUP_FRACTION

__all__ = ["TEXT", "t"]

# The size of the low and high score groups, as the committee reads it ("27 %"); built from
# the one constant the distractor analysis uses, so the wording cannot drift from the numbers.
_GROUP_SIZE = f"{100 * SCORE_GROUP_FRACTION:g} %"

TEXT: Mapping[str, str] = {
    "title": "itembank",
    # log-in (dashboard/auth.py)
    "login_title": "Log in to itembank",
    "login_intro": "Item content and candidates' results are confidential: log in with your own account.",
    "login_user": "User name",
    "login_password": "Password",
    "login_button": "Log in",
    "logout": "Log out",
    "logged_in_as": "Logged in as {name} ({roles})",
    "login_expired": "You were logged out after {minutes} minutes without activity; log in again.",
    "login_needed": "Log in first.",
    "forbidden_title": "Not for your role",
    "forbidden": "Your role ({roles}) may not do this.",
    "subtitle": "Item analysis for the exam committee (itemanalyse voor de examencommissie)",
    "administration": "Administration (afname)",
    "no_administrations": "The bank has no administrations with responses yet: import responses first "
                          "(itembank responses import).",
    "administration_option": "{code} — form {form}, {date}",
    "candidates": "Candidates",
    "items": "Items",
    "mean_score": "Mean score",
    "cut_score": "Cut score (cesuur)",
    "passed": "Passed",
    "alpha": "Reliability (alpha)",
    "sem": "SEM (meetfout)",
    "voided": "Voided items",
    "none": "none",
    "distribution_title": "Score distribution",
    "score_axis": "Total score",
    "count_axis": "Candidates",
    "cut_line": "cut score (cesuur) {cut}",
    "item_table": "Items",
    "col_item": "Item",
    "col_n": "n",
    "col_p": "p",
    "col_rit": "Rit",
    "col_rir": "Rir",
    "col_alpha_if_deleted": "Alpha if deleted",
    "col_flags": "Flags",
    "pick_item": "Click an item in the table to see its options and flags.",
    "item_heading": "Item {item}",
    "item_flags": "Flags",
    "no_flags": "No flags: the statistics of this item give no reason for review.",
    "no_options": "This item has no options (open question); see its statistics in the table.",
    "options_table": "Options (distractor analysis)",
    "col_option": "Option",
    "col_is_key": "Key",
    "col_proportion": "Chosen",
    "col_prop_low": f"Low {_GROUP_SIZE}",
    "col_prop_mid": "Middle",
    "col_prop_high": f"High {_GROUP_SIZE}",
    "col_rar": "Rar",
    "col_mean_total": "Mean total",
    "groups_title": "Who chose each option: low, middle and high scorers",
    "group_low": f"low {_GROUP_SIZE}",
    "group_mid": "middle",
    "group_high": f"high {_GROUP_SIZE}",
    "share_axis": "Share of the group",
    "key_mark": "{option} (key)",
    "omitted": "omitted / invalid",
    "yes": "yes",
    # Short names of analysis.flags codes for the item table (the full messages come from
    # analysis.flags.MESSAGES and are shown with the item).
    "flag_p_low": "hard (low p)",
    "flag_p_high": "easy (high p)",
    "flag_rir_negative": "negative Rir",
    "flag_rir_low": "low Rir",
    "flag_miskey_rar": "possible miskey (Rar)",
    "flag_miskey_high_group": "possible miskey (high scorers)",
    "flag_key_less_popular": "option more popular than key",
    "flag_distractor_unused": "option nobody chose",
    "flag_distractor_rare": "option rarely chosen",
    "flag_omissions_high": "many omissions",
    # charts (itembank/figures.py)
    "chart_pass": "reaches the cut (pass)",
    "chart_fail": "below the cut (fail)",
    "pass_rate_title": "Pass rate for each possible cut score",
    "pass_rate_hover": "cut %{x}: %{y:.1%} pass",
    "cut_axis": "Cut score (cesuur)",
    "pass_rate_axis": "Pass rate",
    # --- application shell and navigation (dashboard/app.py) ---
    "loading": "Loading…",
    "bug_message": "Something went wrong inside itembank ({kind}). This is a bug, not your mistake; nothing was "
                   "recorded. The details are in {where}: please send them to your administrator.",
    "bug_no_log": "the server's log (no log file could be written)",
    "menu_sittings": "Sittings (afnames)",
    "menu_audit": "Audit trail",
    "page_not_found": "There is no page at {path}.",
    "page_forbidden": "The page “{page}” is not for your role ({roles}).",
    "home_title": "Welcome",
    "home_no_sittings": "Your role ({roles}) does not include the sittings' analysis. The item bank pages for item "
                        "writers are not in the dashboard yet: use the command line (itembank items …).",
    "sitting_heading": "Sitting {code}",
    "tab_review": "Review items",
    "tab_cut_score": "Cut score (cesuur)",
    "tab_release": "Release",
    "all": "all",
    "explain_candidates": "Candidates scored, annulled results left out.",
    "explain_items": "Items on the form that count (voided items left out).",
    "explain_mean": "Mean total score over the candidates, against the maximum after the committee's decisions.",
    "explain_cut": "The lowest total score that passes (cesuur): a score equal to the cut passes.",
    "explain_passed": "Candidates whose total reaches the cut, and their share of all candidates scored.",
    "explain_alpha": "Cronbach's alpha: how consistently the items measure the same thing (0 to 1; 0.80 or more "
                     "is usual for a decision about a person).",
    "explain_sem": "Standard error of measurement, in score points: SD × √(1 − alpha). A candidate's true score "
                   "lies within about two SEMs of the observed score.",
    "explain_voided": "Items the committee voided: they no longer count.",
    "explain_position": "Position on the form.",
    "explain_p": "p-value: the share of the maximum score candidates obtained on the item (for a one-point item: "
                 "the share who answered correctly). Low p = hard item.",
    "explain_rit": "Rit: correlation between the item score and the total score. Higher = the item separates "
                   "strong from weak candidates.",
    "explain_rir": "Rir: correlation between the item score and the score on the rest of the exam (the item "
                   "itself left out). Below 0.20 the item hardly discriminates; below 0 it works the wrong way.",
    "explain_alpha_if_deleted": "Alpha if this item were left out: higher than the test's alpha means the item "
                                "lowers the reliability.",
    "explain_rar": "Rar: correlation between choosing this option and the score on the rest of the exam. The key "
                   "should have a positive Rar, wrong options a negative one.",
    "explain_flags": "Why the item may need the committee's attention; hover over a badge for the full sentence.",
    # --- administrations overview (dashboard/pages/overview.py) ---
    "overview_title": "Sittings (afnames)",
    "overview_intro": "Every sitting and where it stands. Open a sitting to review its items, set the cut score or "
                      "release its results.",
    "no_sittings": "The bank has no sittings yet: register one and import its responses (itembank responses import).",
    "col_sitting": "Sitting",
    "col_form": "Form",
    "col_date": "Date",
    "col_candidates": "Candidates",
    "col_rule_set": "Rule set",
    "col_decisions": "Decisions",
    "col_cut": "Cut score (cesuur)",
    "col_releases": "Released",
    "col_objections": "Objections / annulments",
    "col_state": "State",
    "col_open": "Open",
    "stage_waiting": "waiting",
    "stage_in_review": "in review",
    "stage_released": "released",
    "release_count": "{n}× (latest: revision {latest})",
    "cut_from_rule_set": "from the rule set",
    "cut_percent": "{value} % of the maximum",
    "cut_points": "{value} points",
    "cut_percent_guessing": "{value} % with correction for guessing",
    "cut_other": "{kind} (standard setting)",
    "sitting_unknown": "There is no sitting {code}.",
    "sitting_not_ready": "Sitting {code} cannot be analysed yet. Missing:",
    # --- review page (dashboard/pages/review.py) ---
    "review_title": "Review items",
    "review_hint": "Flagged items come first. Click an item to see it, its options and its decisions beside the table.",
    "col_decision": "Decision",
    "col_alpha_if_deleted_short": "α if left out",
    "col_dif": "DIF",
    "explain_dif": "Differential item functioning (Mantel–Haenszel): does the item favour one group of candidates "
                   "(e.g. language) over another of the same overall score? ETS classes: A negligible, "
                   "B moderate, C large. Only B and C are shown.",
    "dif_badge": "{ets_class}: {attribute} {focal}",
    "dif_sentence": "DIF class {ets_class} for {attribute}: group {focal} against {reference}, MH D-DIF {d}. At the "
                    "same total score, the item is harder for group {harder}. Check the wording (a translation?) "
                    "before deciding.",
    "dif_title": "Differential item functioning (DIF)",
    "dif_too_small": "DIF not analysed for {attribute} = {group}: {n} candidates (at least {minimum} needed).",
    "col_attribute": "Attribute",
    "col_groups": "Focal / reference",
    "col_n_groups": "n",
    "col_mh_d_dif": "MH D-DIF",
    "col_ets_class": "ETS class",
    "item_version_line": "Version {version} · language {language} · {variant}",
    "key_in_bank": "key in the bank",
    "counts_now": "counts as correct now",
    "decisions_on_item": "Committee decisions on this item",
    "no_decisions_on_item": "No decisions on this item.",
    "decision_by": "decision {id} by {who}, {when}",
    "decision_withdrawn": "withdrawn",
    "decision_void": "voided",
    "decision_accept": "also {value} counts",
    "decision_rekey": "key now {value}",
    "decision_weight": "weight {value}",
    "decision_withdraw": "withdrawal",
    "actions_title": "Decide (committee)",
    "action_void": "Void",
    "action_accept": "Accept extra answer(s)",
    "action_rekey": "Rekey",
    "action_weight": "Weight",
    "action_withdraw": "Withdraw a decision",
    "action_options_label": "Option(s)",
    "action_weight_label": "New weight (0 or more; 1 = as on the form)",
    "action_withdraw_label": "Decision to withdraw",
    "action_withdraw_pick": "Choose a decision in force on this item",
    "action_reason_label": "Reason (goes into the report and the audit trail)",
    "action_reason_placeholder": "Why the committee decides this",
    "button_preview": "Preview the effect",
    "button_confirm": "Confirm and record",
    "button_cancel": "Cancel",
    "decide_not_your_role": "Decisions on items are taken by the committee; your role can read them here.",
    "pick_item_first": "Choose an item in the table first.",
    "reason_needed": "Give a reason: every committee decision is reported with its reason.",
    "withdraw_pick_first": "Choose the decision to withdraw.",
    "value_needed_accept": "Tick the option(s) that should also count as correct.",
    "value_needed_rekey": "Tick the option(s) that form the new key.",
    "value_needed_weight": "Type the new weight, e.g. 0,5 or 2.",
    "preview_title": "Effect of this decision (nothing is recorded yet)",
    "before": "before",
    "after": "after",
    "maximum": "Maximum score",
    "pass_rate": "Pass rate",
    "flips_count": "{n} candidate(s) change outcome",
    "flips_more": "… and {n} more.",
    "col_candidate": "Candidate",
    "col_total": "Total",
    "col_outcome": "Outcome",
    "preview_confirm_hint": "Confirm to record the decision, or cancel to leave everything as it is.",
    "decision_cancelled": "Nothing was recorded.",
    "decision_recorded": "Recorded: decision {id}, {what} on {item}. The table shows its effect.",
    "carry_offer": "Is the key in the bank wrong too? Create the corrected next version of {item} (key {new_key}) as a "
                   "draft for review, so the next form does not reuse the wrong key.",
    "carry_button": "Create the corrected version in the bank",
    "carried": "Created version {version} of {item} with the corrected key, as a draft for review.",
    # --- cut-score page (dashboard/pages/cut_score.py) ---
    "cut_page_title": "Cut score (cesuur)",
    # --- release page (dashboard/pages/release.py) ---
    "release_page_title": "Release results",
    # --- audit page (dashboard/pages/audit.py) ---
    "audit_title": "Audit trail",
    "filter_sitting": "Sitting",
    "filter_user": "User",
    "filter_action": "Action",
    "filter_dates": "Dates",
    "col_when": "When (UTC)",
    "col_who": "Who",
    "col_action": "Action",
    "col_about": "About",
    "col_reason": "Reason",
    "col_detail": "Detail",
    "audit_count": "{n} event(s).",
    "audit_limited": "The newest {limit} are shown; narrow the filters to see older ones.",
    "audit_none": "No events match these filters.",
    # --- bank pages (dashboard/pages/bank*.py) ---
    # --- reports (itembank/reports/) ---
}


def t(key: str, **fields: object) -> str:
    """The text for ``key`` with ``fields`` filled in."""
    return TEXT[key].format(**fields)
