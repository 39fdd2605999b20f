"""Has the data moved? What a model's inputs looked like when it learned (deciles of numbers, shares of
categories) and the population stability index of new rows against that."""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["reference", "stability"]


def reference(data: pd.DataFrame, numeric: list[str], categorical: list[str]) -> dict:
    """Per column of `data`: numbers -> {'edges': decile edges, 'shares': share of rows between them};
    categories -> {'shares': {value or '(missing)': share}}. Columns with fewer than two distinct numbers
    are left out."""
    ref = {}
    for column in numeric:
        values = data[column].dropna().to_numpy(dtype=float)
        if len(values) == 0:
            continue
        edges = np.unique(np.quantile(values, np.linspace(0, 1, 11)))
        if len(edges) < 2:
            continue
        ref[column] = {"edges": edges.tolist(), "shares": (np.histogram(values, edges)[0] / len(values)).tolist()}
    for column in categorical:
        shares = data[column].astype("string").fillna("(missing)").value_counts(normalize=True)
        ref[column] = {"shares": shares.to_dict()}
    return ref


def stability(ref: dict, inputs: list[str], numeric: list[str], frame: pd.DataFrame) -> pd.DataFrame:
    """Population stability index of `frame` against `ref` (from `reference`), per input in both: under 0.1
    small, 0.1-0.25 moderate, above 0.25 large. Returns input, psi, size (words), largest first."""
    rows = []
    for column in inputs:
        known = ref.get(column)
        if known is None or column not in frame:
            continue
        if column in numeric:
            edges = np.unique(known["edges"])
            values = pd.to_numeric(frame[column], errors="coerce").dropna().to_numpy()
            now = np.histogram(np.clip(values, edges[0], edges[-1]), edges)[0] / max(len(values), 1)
            then = np.asarray(known["shares"])
        else:
            shares = frame[column].astype("string").fillna("(missing)").value_counts(normalize=True)
            then = pd.Series(known["shares"])
            now = shares.reindex(then.index, fill_value=0).to_numpy()
            then = then.to_numpy()
        now, then = np.clip(now, 1e-4, None), np.clip(then, 1e-4, None)
        psi = float(((now - then) * np.log(now / then)).sum())
        rows.append(
            {"input": column, "psi": psi, "size": "large" if psi > 0.25 else "moderate" if psi > 0.1 else "small"}
        )
    return pd.DataFrame(rows, columns=["input", "psi", "size"]).sort_values("psi", ascending=False, ignore_index=True)
