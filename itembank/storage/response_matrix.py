"""The stored form of a sitting's responses: a coded, compressed candidates x columns matrix.

A response set (:class:`itembank.storage.models.ResponseSet`) stores one import as a single
payload instead of a row per response. Every column (an item, or ``<item>#<g>`` for grader
``g`` of an open item) is coded once as small integers into its own list of distinct answers:

* ``codes``: ``int16`` per candidate (``int32`` when a column has more than 32,767 distinct
  answers), ``-1`` = omitted;
* ``answers``: the distinct answers as text: the chosen label(s) joined by "|" for closed
  items (unknown labels too: they score as *invalid*), a grader's points as exact decimal
  text ("12", "14.5") for open items.

Decoded, each column is a ``pandas.Categorical`` over those answers, which the scoring core
and the distractor table read through their integer codes without hashing a single string.

The payload is one zlib stream (level 1: fast, and coded answers compress well) of a small
JSON header — candidates, columns, each column's answers, the code width — followed by the
codes as one column-major integer matrix. Nothing in it is executable or pickled. Its SHA-256
is the set's content hash: it names the set in the read cache and lets anyone check that the
stored responses were not altered. (NumPy's ``.npz`` was tried first: its zip directory of two
members per column cost more to open than decoding the codes themselves.)
"""

from __future__ import annotations

import hashlib
import json
import zlib
from collections.abc import Sequence

import numpy as np
import pandas as pd

__all__ = ["encode_responses", "decode_responses", "concat_responses", "content_hash"]


def content_hash(payload: bytes) -> str:
    """SHA-256 of a payload, as lowercase hex."""
    return hashlib.sha256(payload).hexdigest()


MAGIC = b"itembank-responses/1\n"


def _codes_dtype(n_answers: int) -> type[np.signedinteger]:
    for dtype in (np.int8, np.int16, np.int32):
        if n_answers < np.iinfo(dtype).max:
            return dtype
    raise ValueError("a response column has more than 2**31 distinct answers")


def _column_codes(col: pd.Series) -> tuple[np.ndarray, list[str]]:
    if isinstance(col.dtype, pd.CategoricalDtype):
        return col.cat.codes.to_numpy(), [str(a) for a in col.cat.categories]
    codes, answers = pd.factorize(col.to_numpy(dtype=object), use_na_sentinel=True)
    return codes, [str(a) for a in answers]


def encode_responses(responses: pd.DataFrame) -> bytes:
    """The payload of a response set: ``responses`` is indexed by candidate code, one column
    per response column; a cell is the answer's text, or None/NaN when omitted.

    Categorical columns are encoded from their codes (no re-hashing); other columns are
    factorised once each.
    """
    coded = [_column_codes(responses[name]) for name in responses.columns]
    dtype = _codes_dtype(max((len(a) for _, a in coded), default=0))
    matrix = np.empty((len(coded), len(responses)), dtype=dtype)  # row j = column j's codes
    for j, (codes, _) in enumerate(coded):
        matrix[j] = codes
    header = {
        "candidates": [str(c) for c in responses.index],
        "columns": [str(c) for c in responses.columns],
        "answers": [answers for _, answers in coded],
        "dtype": np.dtype(dtype).str,
    }
    head = json.dumps(header, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    body = MAGIC + len(head).to_bytes(8, "little") + head + matrix.tobytes()
    return zlib.compress(body, 1)


def decode_responses(payload: bytes) -> pd.DataFrame:
    """The matrix of a payload: index ``candidate`` (codes as text), one categorical column
    per response column, NaN where omitted."""
    body = zlib.decompress(payload)
    if not body.startswith(MAGIC):
        raise ValueError("not an itembank response matrix")
    start = len(MAGIC) + 8
    size = int.from_bytes(body[len(MAGIC):start], "little")
    header = json.loads(body[start:start + size].decode("utf-8"))
    n = len(header["candidates"])
    columns = header["columns"]
    matrix = np.frombuffer(body, dtype=np.dtype(header["dtype"]), offset=start + size).reshape(len(columns), n)
    data = {name: pd.Categorical.from_codes(matrix[j], categories=pd.Index(header["answers"][j], dtype=object))
            for j, name in enumerate(columns)}
    return pd.DataFrame(data, index=pd.Index(header["candidates"], name="candidate", dtype=object),
                        columns=columns)


def concat_responses(frames: Sequence[pd.DataFrame], columns: Sequence[str]) -> pd.DataFrame:
    """Several decoded sets as one matrix with ``columns`` in that order; each column's answer
    lists are united (a column missing from a set is omitted there)."""
    if len(frames) == 1:
        frame = frames[0]
        for name in columns:
            if name not in frame.columns:
                frame[name] = pd.Categorical.from_codes(np.full(len(frame), -1, dtype=np.int32),
                                                        categories=pd.Index([], dtype=object))
        return frame[list(columns)]
    index = pd.Index(np.concatenate([f.index.to_numpy() for f in frames]), name="candidate")
    data = {}
    for name in columns:
        parts = [f[name].array if name in f.columns
                 else pd.Categorical.from_codes(np.full(len(f), -1, dtype=np.int32),
                                                categories=pd.Index([], dtype=object))
                 for f in frames]
        data[name] = pd.api.types.union_categoricals(parts)
    return pd.DataFrame(data, index=index, columns=list(columns))
