"""Independent re-check of assembled forms.

The check works on the chosen ``item_version_id``\\ s only, with plain pandas arithmetic and
none of the solver's matrices, because MILP solvers (HiGHS included) have known cases of
reporting "optimal" for an infeasible or fractional answer. A failed check raises
:class:`~itembank.assembly.errors.VerificationError`; a form is never returned unchecked.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from itertools import combinations

import numpy as np
import pandas as pd

from itembank.assembly.blueprint import BlueprintConstraint
from itembank.assembly.errors import VerificationError
from itembank.assembly.pool import AssemblyOptions, Prepared, item_information, prepare

__all__ = ["objective_value", "verify"]

_TOL = 1e-9


def _within(value: float, lower: float | None, upper: float | None) -> bool:
    # a relative tolerance only absorbs floating-point noise in sums of p-values or points
    if lower is not None and value < lower - _TOL * max(1.0, abs(lower)):
        return False
    if upper is not None and value > upper + _TOL * max(1.0, abs(upper)):
        return False
    return True


def constraint_value(pool: pd.DataFrame, ids: Sequence[int], con: BlueprintConstraint) -> float:
    """The value of one blueprint row on one form: a count, a sum, or a mean (NaN-skipping).

    A ``mean`` row over a form where no matching item has a value returns NaN (and is met).
    """
    form = pool.loc[list(ids)]
    mask = con.condition.mask(form)
    if con.type == "count":
        return float(mask.sum())
    vals = pd.to_numeric(form[con.counts], errors="coerce").to_numpy(dtype=float)[mask]
    if con.type == "sum":
        return float(vals.sum())
    vals = vals[np.isfinite(vals)]
    return float(vals.mean()) if len(vals) else float("nan")


def verify(
    pool: pd.DataFrame,
    forms: Sequence[Sequence[int]],
    blueprint: Sequence[BlueprintConstraint],
    enemies: Iterable[tuple[str, str]] = (),
    *,
    options: AssemblyOptions | None = None,
) -> pd.DataFrame:
    """Re-check every constraint on the chosen items; raise if any check fails.

    Returns one row per check with columns ``check`` (what was checked), ``form`` (1-based,
    0 for checks across forms), ``subject`` (constraint id, item, pair of forms), ``value``,
    ``lower``, ``upper`` and ``passed``. Raises
    :class:`~itembank.assembly.errors.VerificationError` listing every failed check.
    """
    prep = prepare(pool, blueprint, enemies, options=options)
    df, opts = prep.pool, prep.options
    out: list[dict[str, object]] = []

    def add(check: str, form: int, subject: str, value: float, lower: float | None, upper: float | None,
            passed: bool | None = None) -> None:
        ok = _within(value, lower, upper) if passed is None else passed
        out.append(dict(check=check, form=form, subject=subject, value=value, lower=lower, upper=upper, passed=bool(ok)))

    add("number of forms", 0, "forms", float(len(forms)), opts.forms, opts.forms)
    code_sets: list[set[str]] = []
    for f, ids in enumerate(forms, start=1):
        ids = [int(i) for i in ids]
        unknown = [i for i in ids if i not in df.index]
        add("items exist in the pool", f, ",".join(map(str, unknown)) or "all", float(len(unknown)), 0, 0)
        ids = [i for i in ids if i in df.index]
        add("no item version twice", f, "form", float(len(ids) - len(set(ids))), 0, 0)
        codes = df.loc[ids, "item_code"]
        add("no item code twice", f, "form", float(len(codes) - codes.nunique()), 0, 0)
        code_sets.append(set(codes))
        for i in ids:
            why = prep.reasons.at[i]
            if why:
                add("item is eligible", f, f"{df.at[i, 'item_code']} ({i}): {why}", 1.0, 0, 0)
        for i in prep.include_ids:
            add("included item on the form", f, f"item_version_id {i}", float(i in ids), 1, 1)
        for c in prep.include_codes:
            add("included item on the form", f, f"item {c}", float((codes == c).sum()), 1, 1)
        for con in prep.constraints:
            v = constraint_value(df, ids, con)
            met = True if np.isnan(v) else _within(v, con.lower, con.upper)
            add(f"blueprint {con.type}", f, con.id, v, con.lower, con.upper, met)
        for a, b in prep.enemies:
            if a in code_sets[-1] and b in code_sets[-1]:
                add("enemies apart", f, f"{a} / {b}", 1.0, 0, 0)
        chosen = df.loc[ids]
        for sid, members in chosen.groupby(chosen["set_id"].where(chosen["set_id"].notna()), sort=True).groups.items():
            full = int((df["set_id"] == sid).sum())
            if prep.whole_sets:
                lo = hi = full
            else:
                lo = min(opts.set_min_items or 1, full)
                hi = min(opts.set_max_items or full, full)
            add("item set size", f, f"set {sid}", float(len(members)), lo, hi)
        if opts.target_information is not None:
            t = opts.target_information
            tlo, thi = (t, None) if np.isscalar(t) else t
            info = float(item_information(chosen, opts.cut_theta).sum())
            add("test information at the cut", f, f"theta={opts.cut_theta:g}", info, tlo, thi)
    if prep.overlap_limit is not None:
        for (f, a), (g, b) in combinations(enumerate(code_sets, start=1), 2):
            add("overlap between forms", 0, f"forms {f} and {g}", float(len(a & b)), None, prep.overlap_limit)
    report = pd.DataFrame(out, columns=["check", "form", "subject", "value", "lower", "upper", "passed"])
    bad = report[~report["passed"]]
    if len(bad):
        failures = [
            f"form {r.form or 'all'}: {r.check} [{r.subject}] is {r.value:g}, allowed "
            f"{'-inf' if r.lower is None or pd.isna(r.lower) else f'{r.lower:g}'}.."
            f"{'inf' if r.upper is None or pd.isna(r.upper) else f'{r.upper:g}'}"
            for r in bad.itertuples()
        ]
        raise VerificationError(failures, report)
    return report


def objective_value(prep: Prepared, forms: Sequence[Sequence[int]]) -> float:
    """The objective in natural units, recomputed from the chosen items (see AssemblyResult)."""
    from itembank.assembly.solve import _bin_counts, reference_targets, target_points

    opts, df = prep.options, prep.pool
    if opts.objective == "max_information":
        return float(min(item_information(df.loc[list(f)], opts.cut_theta).sum() for f in forms))
    if opts.objective == "target_information":
        thetas, want = target_points(opts)
        return float(max(np.abs(item_information(df.loc[list(f)], thetas).sum(axis=0) - want).max() for f in forms))
    if opts.objective == "match_reference":
        targets, kind = reference_targets(opts)
        dev = 0.0
        for f in forms:
            sub = df.loc[list(f)]
            if kind == "information":
                got = item_information(sub, np.asarray(opts.reference_thetas, dtype=float)).sum(axis=0)
            else:
                got = _bin_counts(sub["p"].to_numpy(dtype=float), opts.difficulty_bins)
            dev = max(dev, float(np.abs(got - targets).max()))
        return dev
    if opts.objective == "spread_exposure":
        return float(sum((df.loc[list(f), "times_used"] + df.loc[list(f), "exposure_rate"]).sum() for f in forms))
    return 0.0
