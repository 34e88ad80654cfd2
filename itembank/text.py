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
    "forbidden": "Your role ({roles}) may not see the item analysis; it is for the committee and its secretary.",
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
    "alpha": "Reliability (Cronbach's alpha)",
    "sem": "Standard error of measurement",
    "voided": "Voided items",
    "none": "none",
    "distribution_title": "Score distribution",
    "score_axis": "Total score",
    "count_axis": "Candidates",
    "cut_line": "cut score (cesuur) {cut}",
    "item_table": "Items — click an item to see its options",
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
    # --- administrations overview (dashboard/pages/overview.py) ---
    # --- review page (dashboard/pages/review.py) ---
    # --- cut-score page (dashboard/pages/cut_score.py) ---
    # --- release page (dashboard/pages/release.py) ---
    # --- audit page (dashboard/pages/audit.py) ---
    # --- bank pages (dashboard/pages/bank*.py) ---
    # --- reports (itembank/reports/) ---
}


def t(key: str, **fields: object) -> str:
    """The text for ``key`` with ``fields`` filled in."""
    return TEXT[key].format(**fields)
