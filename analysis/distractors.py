"""Distractor (option) analysis of multiple-choice items.

One row per item x option, plus one row per item for "omitted or invalid", telling how
often each option was chosen overall and in the low / middle / high score groups, how
choosing it correlates with the rest score (Rar) and the mean total of its choosers.

Conventions
-----------
* ``choices``: candidates x items, the option label chosen (strings such as ``"A"`` or ints
  such as SAT12's ``1 .. 5``); ``NaN``/``None`` = omitted. Integer labels and categorical
  columns (``choices.astype("category")``, or ``pandas.Categorical.from_codes``) are coded
  without hashing; plain string columns cost a hash per cell (see ``benchmarks/bench_ctt.py``).
* An item's options are the labels seen in ``choices`` for that item plus its key labels,
  unless ``options`` lists them explicitly; then any other label is *invalid*. Omitted and
  invalid answers share the item's :data:`OMITTED` row (``is_omitted`` is True).
* ``scores`` (the scored matrix) defines who saw the item (``NaN`` = not presented) and the
  totals ``T_i`` (sum over the items seen; an omitted answer scores 0). By default it is
  ``choices`` scored against ``key``: 1 when the chosen label is one of the item's keys,
  else 0 (omitted and invalid score 0), every item presented to every candidate.
* Score groups (Kelley 1939; ``f`` = :data:`SCORE_GROUP_FRACTION` = 0.27 unless
  ``group_fraction`` says otherwise): every candidate gets the mid-percentile rank of their
  total, ``PR_i = (#{T < T_i} + #{T = T_i} / 2) / N`` over all ``N`` candidates. Low group:
  ``PR < f``; high group: ``PR > 1 - f``; the rest is the middle group. Without ties the
  groups are the lowest and highest f N candidates (rounded); tied candidates
  always land in the same group, so the result does not depend on candidate order.
"""

from __future__ import annotations

import numbers
from collections.abc import Collection, Hashable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis._matrix import ItemNumbers, _as_score_matrix, _item_weights, _py

__all__ = ["OMITTED", "SCORE_GROUP_FRACTION", "distractors"]

#: The ``option`` value of the per-item row counting omitted and invalid answers.
OMITTED = "(omitted/invalid)"

#: Share of the candidates in the low and in the high score group: 27 % each (Kelley, T. L.
#: (1939). The selection of upper and lower groups for the validation of test items.
#: *Journal of Educational Psychology* 30, 17-24). The one place this number is written:
#: the dashboard builds its "low 27 %" wording from it.
SCORE_GROUP_FRACTION: float = 0.27

_COLUMNS = [
    "item",
    "option",
    "is_key",
    "is_omitted",
    "n",
    "proportion",
    "prop_low",
    "prop_mid",
    "prop_high",
    "rar",
    "mean_total",
]


def _norm(label: object) -> Hashable:
    """One spelling per label: 1, 1.0 and numpy.int64(1) are the same option."""
    if isinstance(label, (bool, np.bool_)):
        return bool(label)
    if isinstance(label, numbers.Integral):
        return int(label)
    if isinstance(label, numbers.Real) and float(label).is_integer():
        return int(label)
    if isinstance(label, np.str_):
        return str(label)
    return label  # type: ignore[return-value]


def _is_missing(label: object) -> bool:
    return label is None or (isinstance(label, float) and label != label) or label is pd.NA


def _sort_key(label: Hashable) -> tuple[int, object]:
    if isinstance(label, (int, float)) and not isinstance(label, bool):
        return (0, label)
    if isinstance(label, str):
        return (1, label)
    return (2, repr(label))


def _label_set(value: object, *, what: str, item: Hashable) -> list[Hashable]:
    """A key/options entry as a list of normalised labels (a string is one label)."""
    if isinstance(value, (str, bytes)) or not isinstance(value, Collection):
        values: list[object] = [value]
    else:
        values = list(value)
    out: list[Hashable] = []
    for v in values:
        if _is_missing(v):
            raise ValueError(f"{what} for item {_py(item)!r} contains a missing label ({v!r})")
        try:
            hash(v)
        except TypeError:
            raise ValueError(f"{what} for item {_py(item)!r}: label {v!r} is not a valid option label") from None
        nv = _norm(v)
        if nv not in out:
            out.append(nv)
    if not out:
        raise ValueError(f"{what} for item {_py(item)!r} is empty")
    return out


def _small_integer_codes(arr: np.ndarray, lo: float, n_missing: int) -> np.ndarray | None:
    """``arr - lo`` as integer codes (``n_missing`` for NaN), or None if a label is fractional.

    Works through cache-sized blocks of rows with preallocated temporaries: fresh large
    temporaries per block would cost a page fault per page (measured 2-3x slower).
    """
    codes = np.empty(arr.shape, dtype=_CODE)
    step = _block_rows(arr)
    buf = np.empty((min(step, arr.shape[0]), arr.shape[1]))
    flag = np.empty(buf.shape, dtype=bool)
    for start in range(0, arr.shape[0], step):
        src = arr[start : start + step]
        b, f = buf[: len(src)], flag[: len(src)]
        np.subtract(src, lo, out=b)
        np.isnan(b, out=f)
        np.putmask(b, f, float(n_missing))
        out = codes[start : start + step]
        np.copyto(out, b, casting="unsafe")
        np.equal(out, b, out=f)
        if not f.all():  # a fractional label
            return None
    return codes


def _encode(choices: pd.DataFrame) -> tuple[np.ndarray, list[Hashable]]:
    """Item-major integer codes, shape (items, candidates), C-contiguous.

    Codes ``0 .. L-1`` index the returned ``labels``; ``L`` = omitted (missing). Small-range
    integer labels (the usual case) are coded by subtraction, and categorical columns
    through their category codes, without hashing or sorting; other labels are hashed once
    with ``pandas.factorize`` (about 25 ns a cell: 0.25 s for 10 million string cells).
    """
    if all(isinstance(dt, pd.CategoricalDtype) for dt in choices.dtypes):
        return _encode_categorical(choices)
    numeric = all(
        pd.api.types.is_numeric_dtype(dt) and not pd.api.types.is_bool_dtype(dt)
        for dt in choices.dtypes
    )
    if numeric:
        # A DataFrame's block is stored item-major, so the transpose is usually free.
        if all(dt == np.float64 for dt in choices.dtypes):
            arr = choices.to_numpy().T  # a view of the frame's block: no copy
        else:
            arr = choices.to_numpy(dtype=np.float64, na_value=np.nan).T
        arr = np.ascontiguousarray(arr)
        lo = float(np.fmin.reduce(arr, axis=None))  # fmin/fmax skip NaN
        hi = float(np.fmax.reduce(arr, axis=None))
        if np.isnan(lo):
            return np.zeros(arr.shape, dtype=_CODE), []
        if np.isfinite(lo) and np.isfinite(hi) and hi - lo <= 1000:
            n_labels = int(hi - lo) + 1
            codes = _small_integer_codes(arr, lo, n_labels)
            if codes is not None:
                return codes, [int(lo) + i for i in range(n_labels)]
        missing = np.isnan(arr)
        uniq, inv = np.unique(arr[~missing], return_inverse=True)
        codes = np.full(arr.shape, uniq.size, dtype=_CODE)
        codes[~missing] = inv
        return codes, [_norm(u) for u in uniq.tolist()]
    arr = choices.to_numpy(dtype=object).T
    flat_codes, uniques = pd.factorize(arr.ravel(), use_na_sentinel=True)
    n_labels = len(uniques)
    codes = np.where(flat_codes < 0, n_labels, flat_codes).reshape(arr.shape).astype(_CODE)
    return codes, [_norm(u) for u in list(uniques)]


def _encode_categorical(choices: pd.DataFrame) -> tuple[np.ndarray, list[Hashable]]:
    """:func:`_encode` for categorical columns: their codes, remapped to shared labels.

    Each column's category codes (``-1`` = missing) index a small lookup array whose last
    entry is the missing code, so the cost is one ``take`` per column.
    """
    labels: list[Hashable] = []
    position: dict[Hashable, int] = {}
    lookups = []
    for _, col in choices.items():
        cats = col.cat.categories
        for cat in cats:
            if cat not in position:
                position[cat] = len(labels)
                labels.append(cat)
        lookups.append([position[cat] for cat in cats])
    n_labels = len(labels)
    codes = np.empty(choices.shape[::-1], dtype=_CODE)
    for j, (lookup, (_, col)) in enumerate(zip(lookups, choices.items())):
        table = np.array(lookup + [n_labels], dtype=_CODE)
        # mode='wrap': code -1 (missing) takes the last entry, and the output is not buffered.
        np.take(table, col.cat.codes.to_numpy(), out=codes[j], mode="wrap")
    return codes, [_norm(lab) for lab in labels]


def _check_frame(df: object, name: str) -> pd.DataFrame:
    if not isinstance(df, pd.DataFrame):
        raise ValueError(
            f"{name} must be a pandas DataFrame (candidates x items); you provided {type(df).__name__}"
        )
    if df.shape[0] == 0 or df.shape[1] == 0:
        raise ValueError(f"{name} is empty ({df.shape[0]} candidates x {df.shape[1]} items)")
    if not df.columns.is_unique:
        raise ValueError(f"{name}: item {_py(df.columns[df.columns.duplicated()][0])!r} appears in more than one column")
    if not df.index.is_unique:
        raise ValueError(f"{name}: candidate {_py(df.index[df.index.duplicated()][0])!r} appears in more than one row")
    return df


#: Largest bincount table (cells) of the fast path; beyond it the weighted path is used.
_MAX_BINS = 2**22

#: Cell codes and slots are 32-bit: half the memory traffic of int64, and every slot
#: index stays far below 2**31 (at most 2 * _MAX_BINS, or 3 * items * labels).
_CODE = np.int32


def _block_rows(arr: np.ndarray) -> int:
    """Rows per block so that one block of ``arr`` is about 2 MB (stays in cache)."""
    return max(1, (1 << 18) // max(1, arr.shape[1]))


def _is_binary(x: np.ndarray) -> bool:
    """Every value is 0 or 1 (checked block by block, in cache)."""
    step = _block_rows(x)
    flag = np.empty((min(step, x.shape[0]), x.shape[1]), dtype=bool)
    for start in range(0, x.shape[0], step):
        block = x[start : start + step]
        f = flag[: len(block)]
        # x equals (x != 0) exactly when every value is 0 or 1.
        np.not_equal(block, 0.0, out=f)
        if not np.array_equal(block, f):
            return False
    return True


def _fold_and_count(
    slot: np.ndarray, n_t: int, t_index: np.ndarray, x01: np.ndarray | None, x_offset: int, n_bins: int
) -> np.ndarray:
    """Counts of ``slot * n_t + t_index[candidate] (+ x_offset where the 0/1 score is 1)``.

    One sweep of cache-sized blocks (modifying ``slot`` in place) instead of four passes over
    the whole matrix; bincount per block avoids a full-size int64 copy of the indices.
    """
    table = np.zeros(n_bins, dtype=np.int64)
    step = _block_rows(slot)
    rows = min(step, slot.shape[0])
    fbuf = np.empty((rows, slot.shape[1]))
    ibuf = np.empty((rows, slot.shape[1]), dtype=slot.dtype)
    for start in range(0, slot.shape[0], step):
        block = slot[start : start + step]
        block *= n_t
        block += t_index[None, :]
        if x01 is not None:
            # Multiply-and-cast beats a masked add (ufunc where=) about 5x here.
            f, i = fbuf[: len(block)], ibuf[: len(block)]
            np.multiply(x01[start : start + step], x_offset, out=f)
            np.copyto(i, f, casting="unsafe")
            block += i
        table += np.bincount(block.ravel(), minlength=n_bins)
    return table


def _given_totals(total: object, candidates: pd.Index) -> np.ndarray:
    """The ``total`` argument as floats in the order of ``candidates``, or a clear error."""
    if not isinstance(total, pd.Series):
        raise ValueError(f"total must be a pandas Series indexed by candidate; you provided {type(total).__name__}")
    absent = candidates.difference(total.index)
    if len(absent):
        raise ValueError(f"total has no value for candidate {_py(absent[0])!r}")
    if not total.index.is_unique:
        raise ValueError(f"total: candidate {_py(total.index[total.index.duplicated()][0])!r} appears more than once")
    values = pd.to_numeric(total.reindex(candidates), errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
    bad = ~np.isfinite(values)
    if bad.any():
        where = candidates[int(np.argmax(bad))]
        raise ValueError(f"total for candidate {_py(where)!r} must be a number; you provided {total[where]!r}")
    return values


def _group_of_value(counts: np.ndarray, fraction: float) -> np.ndarray:
    """Score group of each distinct total (sorted ascending, with its number of candidates).

    0 = low, 1 = middle, 2 = high by the mid-percentile rank
    ``(#{T < t} + #{T = t} / 2) / N`` (module docstring); ties share one group.
    """
    below = np.concatenate(([0], np.cumsum(counts)[:-1]))
    pr = (below + 0.5 * counts) / counts.sum()
    groups = np.ones(counts.size, dtype=np.intp)
    groups[pr < fraction] = 0
    groups[pr > 1.0 - fraction] = 2
    return groups


def _check_arguments(choices: object, key: object, group_fraction: object) -> pd.DataFrame:
    choices = _check_frame(choices, "choices")
    if not isinstance(key, Mapping):
        raise ValueError(f"key must be a mapping item -> correct label(s); you provided {type(key).__name__}")
    if not (isinstance(group_fraction, (int, float)) and 0.0 < group_fraction <= 0.5):
        raise ValueError(f"group_fraction must be in (0, 0.5]; you provided {group_fraction!r}")
    return choices


def _item_keys(items: list[Hashable], key: Mapping[Hashable, object]) -> list[list[Hashable]]:
    """Each item's key label(s), normalised; every item needs an entry."""
    keys: list[list[Hashable]] = []
    for item in items:
        if item not in key:
            raise ValueError(f"key has no entry for item {_py(item)!r}")
        keys.append(_label_set(key[item], what="key", item=item))
    return keys


def _item_options(
    items: list[Hashable], keys: list[list[Hashable]], options: Mapping[Hashable, Sequence[object]] | None
) -> list[list[Hashable]] | None:
    """Each item's declared option labels (keys among them), or None when not declared."""
    if options is None:
        return None
    if not isinstance(options, Mapping):
        raise ValueError(f"options must be a mapping item -> labels; you provided {type(options).__name__}")
    opts = []
    for item, kl in zip(items, keys):
        if item not in options:
            raise ValueError(f"options has no entry for item {_py(item)!r}")
        ol = _label_set(options[item], what="options", item=item)
        stray = [lab for lab in kl if lab not in ol]
        if stray:
            raise ValueError(f"item {_py(item)!r}: key label {stray[0]!r} is not among its options {ol!r}")
        opts.append(ol)
    return opts


@dataclass(frozen=True)
class _Labels:
    """Every option label of the table, sorted, and how the data codes map onto it.

    ``labels``: data labels plus key/option labels nobody chose, in sorted order;
    ``column``: label -> its column in ``labels``; ``to_u``: data code -> column, with the
    missing code (``len(data labels)``) going to column ``len(labels)``; ``is_key``:
    items x (labels + 1) key indicator.
    """

    labels: list[Hashable]
    column: dict[Hashable, int]
    to_u: np.ndarray
    is_key: np.ndarray


def _label_universe(
    data_labels: list[Hashable], keys: list[list[Hashable]], opts: list[list[Hashable]] | None
) -> _Labels:
    universe: list[Hashable] = []
    position: dict[Hashable, int] = {}
    for lab in data_labels + [lab for ks in keys for lab in ks] + [lab for os in (opts or []) for lab in os]:
        if lab not in position:
            position[lab] = len(universe)
            universe.append(lab)
    order = sorted(range(len(universe)), key=lambda i: _sort_key(universe[i]))
    rank = np.empty(len(universe), dtype=np.intp)
    rank[order] = np.arange(len(universe))
    n_u = len(universe)
    column = {lab: int(rank[i]) for lab, i in position.items()}
    to_u = np.append(rank[[position[lab] for lab in data_labels]], n_u).astype(np.intp)
    is_key = np.zeros((len(keys), n_u + 1), dtype=bool)
    for j, ks in enumerate(keys):
        is_key[j, [column[lab] for lab in ks]] = True
    return _Labels(labels=[universe[i] for i in order], column=column, to_u=to_u, is_key=is_key)


def _check_label_kinds(data_labels: list[Hashable], keys: list[list[Hashable]]) -> None:
    """A key of ints against letter choices (or the reverse) would silently score everyone 0."""
    data_kinds = {_sort_key(lab)[0] for lab in data_labels}
    key_kinds = {_sort_key(lab)[0] for ks in keys for lab in ks}
    if data_kinds and data_kinds.isdisjoint(key_kinds):
        raise ValueError(
            "none of the key labels is of the kind found in choices; labels are compared exactly "
            f"(choices hold e.g. {data_labels[0]!r}, key holds e.g. {keys[0][0]!r})"
        )


@dataclass
class _Cells:
    """Per cell (item-major, items x candidates): its slot ``j * width + code`` (code
    ``n_data`` = omitted, ``n_data + 1`` = not presented), its item score ``x_t``, and per
    candidate the total. ``seen`` is None when every item was presented to everyone."""

    slot: np.ndarray
    x_t: np.ndarray
    totals: np.ndarray
    seen: np.ndarray | None
    width: int
    n_data: int
    by_key: bool
    binary: bool


def _align_scores(scores: pd.DataFrame, choices: pd.DataFrame, items: list[Hashable]) -> pd.DataFrame:
    """``scores`` checked and reordered to the candidates and items of ``choices``."""
    scores = _check_frame(scores, "scores")
    missing_items = [c for c in items if c not in scores.columns]
    if missing_items:
        raise ValueError(f"scores has no column for item {_py(missing_items[0])!r}")
    if not scores.index.equals(choices.index):
        if len(scores.index) != len(choices.index) or not scores.index.isin(choices.index).all():
            extra = choices.index.difference(scores.index).union(scores.index.difference(choices.index))
            raise ValueError(
                "scores and choices must hold the same candidates; "
                f"candidate {_py(extra[0])!r} is in only one"
            )
        scores = scores.loc[choices.index]
    if list(scores.columns) != items:
        scores = scores[items]
    return scores


def _score_cells(
    codes: np.ndarray, n_data: int, is_key_data: np.ndarray, scores: pd.DataFrame | None
) -> _Cells:
    """Slots, item scores and totals: scored against the key, or taken from ``scores``.

    Everything works item-major (items x candidates), the layout pandas stores, so
    ravel() is a view and bincount streams through memory.
    """
    k = codes.shape[0]
    width = n_data + 2
    slot = codes  # fresh array from _encode: safe to modify in place
    slot += (np.arange(k, dtype=_CODE) * width)[:, None]
    seen = None
    if scores is None:
        key_of_slot = np.zeros((k, width), dtype=bool)
        key_of_slot[:, : n_data + 1] = is_key_data
        x_t = key_of_slot.ravel()[slot]  # 0/1 per cell; omitted scores 0
        totals = x_t.sum(axis=0, dtype=np.float64)
        return _Cells(slot, x_t, totals, seen, width, n_data, by_key=True, binary=False)
    x_t = np.ascontiguousarray(_as_score_matrix(scores, name="scores").T)
    totals = x_t.sum(axis=0)
    if np.isnan(totals).any():  # some items not presented: only then build the mask
        seen = ~np.isnan(x_t)
        slot = np.where(seen, slot, (np.arange(k, dtype=_CODE) * width + n_data + 1)[:, None])
        x_t = np.where(seen, x_t, 0.0)
        totals = x_t.sum(axis=0)
    return _Cells(slot, x_t, totals, seen, width, n_data, by_key=False, binary=_is_binary(x_t))


@dataclass(frozen=True)
class _Groups:
    """Distinct totals (centred on ``shift``), each candidate's index into them, and the
    score group (0 low, 1 middle, 2 high) of each distinct total."""

    shift: float
    tc: np.ndarray
    values: np.ndarray
    index: np.ndarray
    group_of_value: np.ndarray


def _score_groups(totals: np.ndarray, fraction: float) -> _Groups:
    t_shift = totals.mean()
    tc = totals - t_shift  # centred for accurate sums of squares
    t_values, t_index, t_counts = np.unique(tc, return_inverse=True, return_counts=True)
    return _Groups(t_shift, tc, t_values, t_index, _group_of_value(t_counts, fraction))


@dataclass(frozen=True)
class _Tally:
    """Per score group x item x data code: candidates (``by_group``); per item x data code:
    candidates (``count``), sum of centred totals (``sum_t``) and of item scores
    (``sum_x``); ``s_xt``: per item, sum of item score x centred total, when the counts
    already give it (0/1 scores), else None."""

    by_group: np.ndarray
    count: np.ndarray
    sum_t: np.ndarray
    sum_x: np.ndarray
    s_xt: np.ndarray | None


def _tally_by_bincount(cells: _Cells, g: _Groups, is_key_data: np.ndarray) -> _Tally:
    """Fast path: totals take few distinct values (whole-number scores), so one bincount
    over (item, option, distinct total[, item score 0/1]) gives every count; sums of T over
    the choosers are then count x value, with no weighted pass over the cells."""
    k, n_data, width = cells.slot.shape[0], cells.n_data, cells.width
    n_slots, n_t = k * width, g.values.size
    table = _fold_and_count(
        cells.slot, n_t, g.index.astype(_CODE), cells.x_t if cells.binary else None,
        n_slots * n_t, 2 * n_slots * n_t,
    )
    table = table.reshape(2, k, width, n_t)[:, :, : n_data + 1, :].astype(np.float64)
    by_value = table.sum(axis=0)  # (k, options, distinct totals)
    one_hot = np.zeros((n_t, 3))
    one_hot[np.arange(n_t), g.group_of_value] = 1.0
    by_group = np.moveaxis(by_value @ one_hot, -1, 0)  # (3, k, options)
    sum_t = by_value @ g.values
    count = by_group.sum(axis=0)
    if cells.by_key:
        return _Tally(by_group, count, sum_t, count * is_key_data, (sum_t * is_key_data).sum(axis=1))
    return _Tally(by_group, count, sum_t, table[1].sum(axis=-1), table[1].sum(axis=1) @ g.values)


def _tally_by_weighted_bincount(cells: _Cells, g: _Groups, is_key_data: np.ndarray) -> _Tally:
    """General path (fractional scores or many distinct totals): weighted bincounts."""
    k, n_data, width = cells.slot.shape[0], cells.n_data, cells.width
    n_slots = k * width
    groups = g.group_of_value[g.index].astype(_CODE)
    slot = cells.slot
    slot += (groups * n_slots)[None, :]
    flat = slot.ravel()
    by_group = np.bincount(flat, minlength=3 * n_slots).reshape(3, k, width)[:, :, : n_data + 1]
    sum_t = np.bincount(flat, weights=np.tile(g.tc, k), minlength=3 * n_slots)
    sum_t = sum_t.reshape(3, k, width).sum(axis=0)[:, : n_data + 1]
    count = by_group.sum(axis=0)
    if cells.by_key:
        return _Tally(by_group, count, sum_t, count * is_key_data, (sum_t * is_key_data).sum(axis=1))
    sum_x = np.bincount(flat, weights=cells.x_t.ravel(), minlength=3 * n_slots)
    sum_x = sum_x.reshape(3, k, width).sum(axis=0)[:, : n_data + 1]
    return _Tally(by_group, count, sum_t, sum_x, cells.x_t @ g.tc if cells.binary else None)


def _tally(cells: _Cells, g: _Groups, is_key_data: np.ndarray) -> _Tally:
    n_bins = 2 * cells.slot.shape[0] * cells.width * g.values.size
    if (cells.by_key or cells.binary) and n_bins <= _MAX_BINS:
        return _tally_by_bincount(cells, g, is_key_data)
    return _tally_by_weighted_bincount(cells, g, is_key_data)


@dataclass(frozen=True)
class _RestMoments:
    """Per item, over the candidates who saw it: their number, the sums of the rest score
    ``R = T - w_j x_j`` and of its square (centred totals), and the sum of squared totals."""

    n_seen: np.ndarray
    s_r: np.ndarray
    s_rr: np.ndarray
    s_tt: np.ndarray


def _rest_moments(cells: _Cells, g: _Groups, tally: _Tally, w: np.ndarray | None) -> _RestMoments:
    """Moments of the rest score ``R = T - w_j x_j`` (``w_j = 1`` without weights)."""
    k, tc = cells.slot.shape[0], g.tc
    if cells.seen is None:
        n_seen = np.full(k, float(cells.slot.shape[1]))
        s_t = np.full(k, tc.sum())
        s_tt = np.full(k, float(tc @ tc))
    else:
        mask = cells.seen.astype(np.float64)
        n_seen = mask.sum(axis=1)
        s_t = mask @ tc
        s_tt = mask @ (tc * tc)
    if cells.by_key or cells.binary:
        # 0/1 item scores: the item sums are sums over the tables just counted.
        s_x = tally.sum_x.sum(axis=1)
        s_xx = s_x
        s_xt = tally.s_xt
    else:
        s_x = cells.x_t.sum(axis=1)
        s_xx = np.einsum("ij,ij->i", cells.x_t, cells.x_t)
        s_xt = cells.x_t @ tc
    if w is not None:
        return _RestMoments(n_seen, s_t - w * s_x, s_tt - 2.0 * w * s_xt + w * w * s_xx, s_tt)
    return _RestMoments(n_seen, s_t - s_x, s_tt - 2.0 * s_xt + s_xx, s_tt)


def _option_table(
    items: list[Hashable],
    lab: _Labels,
    opts: list[list[Hashable]] | None,
    tally: _Tally,
    rest: _RestMoments,
    t_shift: float,
    w: np.ndarray | None,
) -> pd.DataFrame:
    """The returned table: data codes merged onto the option labels, one row per item x
    option in label order, then the item's OMITTED row; proportions, Rar and mean total."""
    k, n_u, n_data = len(items), len(lab.labels), lab.to_u.size - 1
    # Data codes -> label columns (merging labels that normalise alike) with a 0/1 matrix.
    merge = np.zeros((n_data + 1, n_u + 1))
    merge[np.arange(n_data + 1), lab.to_u] = 1.0
    count_u = tally.count @ merge
    group_u = tally.by_group @ merge  # (3, k, n_u + 1)
    sum_t_u = tally.sum_t @ merge
    sum_x_u = tally.sum_x @ merge

    if opts is None:
        is_opt = (count_u[:, :n_u] > 0) | lab.is_key[:, :n_u]
    else:
        is_opt = np.zeros((k, n_u), dtype=bool)
        for j, os in enumerate(opts):
            is_opt[j, [lab.column[o] for o in os]] = True
    not_opt = np.concatenate([~is_opt, np.ones((k, 1), dtype=bool)], axis=1)

    def rows(a: np.ndarray) -> np.ndarray:
        """Values for the option rows, then the OMITTED row appended per item."""
        opt_vals = a[..., :n_u][..., is_opt]
        omit_vals = (a * not_opt).sum(axis=-1)
        return np.concatenate([opt_vals, omit_vals], axis=-1)

    jj, uu = np.nonzero(is_opt)
    row_item = np.concatenate([jj, np.arange(k)])
    row_pos = np.concatenate([uu, np.full(k, n_u)])
    order_rows = np.lexsort((row_pos, row_item))

    n_opt = rows(count_u)[order_rows]
    grp = rows(group_u)[:, order_rows]
    st = rows(sum_t_u)[order_rows]
    sx = rows(sum_x_u)[order_rows]
    ri = row_item[order_rows]
    rp = row_pos[order_rows]

    grp_size = group_u.sum(axis=2)  # (3, k): group members who saw the item
    ns = rest.n_seen[ri]
    with np.errstate(invalid="ignore", divide="ignore"):
        proportion = n_opt / ns
        props = grp / grp_size[:, ri]
        p = proportion
        mean_r = rest.s_r[ri] / ns
        var_r = rest.s_rr[ri] / ns - mean_r**2
        cov = (st - (sx if w is None else w[ri] * sx)) / ns - p * mean_r
        rar = cov / np.sqrt(p * (1.0 - p) * var_r)
        rar[(n_opt == 0) | (n_opt == ns) | ~(var_r > 1e-12 * np.maximum(rest.s_tt[ri] / ns, 1e-300))] = np.nan
        mean_total = np.where(n_opt > 0, st / n_opt + t_shift, np.nan)

    labels_out = np.empty(len(rp), dtype=object)
    is_omit = rp == n_u
    uni = np.empty(n_u, dtype=object)
    uni[:] = lab.labels
    labels_out[~is_omit] = uni[rp[~is_omit]]
    labels_out[is_omit] = OMITTED
    item_arr = np.empty(k, dtype=object)
    item_arr[:] = items
    return pd.DataFrame(
        {
            "item": item_arr[ri],
            "option": labels_out,
            "is_key": np.where(is_omit, False, lab.is_key[ri, np.minimum(rp, n_u)]),
            "is_omitted": is_omit,
            "n": np.rint(n_opt).astype(np.int64),
            "proportion": proportion,
            "prop_low": props[0],
            "prop_mid": props[1],
            "prop_high": props[2],
            "rar": np.clip(rar, -1.0, 1.0),
            "mean_total": mean_total,
        },
        columns=_COLUMNS,
    )


def distractors(
    choices: pd.DataFrame,
    key: Mapping[Hashable, object],
    scores: pd.DataFrame | None = None,
    *,
    total: pd.Series | None = None,
    options: Mapping[Hashable, Sequence[object]] | None = None,
    group_fraction: float = SCORE_GROUP_FRACTION,
    weights: ItemNumbers | None = None,
) -> pd.DataFrame:
    r"""Distractor table: per item and option, who chose it and how they did on the test.

    Parameters
    ----------
    choices:
        Chosen option label per candidate x item; ``NaN``/``None`` = omitted.
    key:
        Item id -> correct label, or a collection of correct labels (extra accepted
        answers). Every item of ``choices`` needs an entry.
    scores:
        The scored matrix for the same candidates and items (``NaN`` = not presented).
        Default: ``choices`` scored against ``key`` (1 for a key label, else 0).
    total:
        Each candidate's total test score ``T`` (a Series indexed by candidate), when the
        test has more items than ``choices`` holds -- e.g. open questions next to the
        multiple-choice items. Score groups, ``mean_total`` and the rest score ``T - w_j x_j``
        then refer to the whole test. Default: the sum of ``scores`` over the items seen.
    options:
        Item id -> the item's option labels. When given, any other label in ``choices`` is
        invalid and counted in the item's :data:`OMITTED` row.
    weights:
        Item weight ``w_j`` (mapping or Series keyed by item id, each >= 0) when the total
        is the weighted one, ``T = sum_j w_j x_j`` (pass it as ``total``, or let the default
        total apply to ``scores``): the rest score of item j is then ``T - w_j x_j``.
        Default (or all 1): ``T - x_j``, exactly the unweighted numbers. The default total
        is *not* weighted by it; pass ``total`` for that.
    group_fraction:
        Size of the low and high score groups (default :data:`SCORE_GROUP_FRACTION`,
        0.27, Kelley 1939).

    Returns
    -------
    DataFrame, one row per item x option in item order and label order, then the item's
    :data:`OMITTED` row, with columns

    * ``item``, ``option``: ids/labels as given (``OMITTED`` for omitted or invalid);
    * ``is_key``: the option is (one of) the item's key(s); ``is_omitted``: the OMITTED row;
    * ``n``: candidates who saw the item and chose this option;
    * ``proportion``: ``n`` / candidates who saw the item;
    * ``prop_low``, ``prop_mid``, ``prop_high``: the same proportion within the low, middle
      and high score group (candidates of the group who saw the item); ``NaN`` if empty;
    * ``rar``: point-biserial correlation between choosing this option (0/1) and the rest
      score ``T - w_j x_j``, over the candidates who saw the item; ``NaN`` if nobody or
      everybody chose it;
    * ``mean_total``: mean total ``T`` of the candidates who chose it (``NaN`` if nobody).

    .. math::

        r_{ar} = \frac{\bar R_{a} - \bar R}{s_R}\sqrt{\frac{p_a}{1 - p_a}}

    with ``p_a`` the proportion choosing option ``a``, ``\bar R_a`` their mean rest score,
    and ``\bar R``, ``s_R`` (divisor ``N``) over all candidates who saw the item — the
    Pearson correlation of the choice indicator with the rest score (Lord & Novick 1968,
    §15.5; Attali & Fraenkel 2000, J. Educ. Meas. 37, 77-86, for the rest-score version).

    Score groups (Kelley, T. L. (1939). *J. Educ. Psychol.* 30, 17-24), with ``f`` =
    ``group_fraction`` and ``N`` candidates:

    .. math::

        PR_i = \frac{\#\{T < T_i\} + \tfrac12 \#\{T = T_i\}}{N}, \qquad
        \text{low: } PR_i < f, \quad \text{high: } PR_i > 1 - f, \quad \text{else middle}

    and ``prop_low`` of option ``a`` = choosers of ``a`` in the low group who saw the item /
    members of the low group who saw it (likewise middle and high).

    Computation is vectorised: choices are coded to one integer per cell, and one
    ``numpy.bincount`` over (item, option, distinct total [, 0/1 item score]) cells gives
    every count and sum (weighted bincounts when totals take many distinct values); there
    is no loop over candidates and no per-item groupby.
    Checked against an independent base-R computation on SAT12
    (``tests/data/reference/r_sat12_distractors.json``, made by ``ctt_make_reference.R``:
    ``rank(total, ties = "average")`` for the groups, ``cor(chose, total - score)`` for
    Rar) and against ``psych::response.frequencies`` for the proportions.

    Examples
    --------
    >>> import pandas as pd
    >>> ch = pd.DataFrame({"q1": ["A", "A", "B", None], "q2": ["C", "D", "C", "C"]})
    >>> t = distractors(ch, {"q1": "A", "q2": "C"})
    >>> t.loc[t.item == "q1", ["option", "is_key", "n", "proportion"]]
                  option  is_key  n  proportion
    0                  A    True  2        0.50
    1                  B   False  1        0.25
    2  (omitted/invalid)   False  1        0.25
    >>> # Totals (2, 1, 1, 1): mid-percentile ranks .875, .375, .375, .375, so c1 alone is the
    >>> # high group and the low group is empty (NaN). Rest scores on q1 (= q2's score):
    >>> # 1, 0 for A's choosers, 1, 1 for the others: Rar(A) = -0.125 / (.5 * .433) = -0.58.
    >>> t.loc[t.item == "q1", ["option", "prop_low", "prop_high", "rar"]].round(2)
                  option  prop_low  prop_high   rar
    0                  A       NaN        1.0 -0.58
    1                  B       NaN        0.0  0.33
    2  (omitted/invalid)       NaN        0.0  0.33
    """
    choices = _check_arguments(choices, key, group_fraction)
    items = list(choices.columns)
    keys = _item_keys(items, key)
    opts = _item_options(items, keys, options)
    w = _item_weights(choices, weights)
    codes, data_labels = _encode(choices)
    lab = _label_universe(data_labels, keys, opts)
    _check_label_kinds(data_labels, keys)
    is_key_data = lab.is_key[:, lab.to_u]  # items x data codes (the last code: omitted)
    aligned = None if scores is None else _align_scores(scores, choices, items)
    cells = _score_cells(codes, len(data_labels), is_key_data, aligned)
    if total is not None:
        cells.totals = _given_totals(total, choices.index)
    groups = _score_groups(cells.totals, float(group_fraction))
    tally = _tally(cells, groups, is_key_data)
    rest = _rest_moments(cells, groups, tally, w)
    return _option_table(items, lab, opts, tally, rest, groups.shift, w)
