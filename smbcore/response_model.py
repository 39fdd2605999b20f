"""The response model: who responds, learned from past contacts (or purchases, or visits), its held-out quality
in plain figures, and the contact list for a budget (smbcore.targeting finds what to learn from).

A regularised logistic regression on one-hot categories and scaled numbers. On the Bank Marketing sample it held
up best when the later period looked different from the earlier one (see benchmarks/targeting.py), and its
contributions add up exactly to each prediction, so every decision can be explained. Columns known only after
the contact (a call's duration) are kept out, with the reason. Sensitive attributes (age, sex/gender, marital
status, and any the owner names) are not inputs unless the owner asks; they are kept for the fairness audit.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import average_precision_score, brier_score_loss, roc_auc_score
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from smbcore.drift import reference as _reference
from smbcore.drift import stability as _stability
from smbcore.errors import NotEnoughDataError, SmbcoreError
from smbcore.requirements import REQUIREMENTS, auc_with_range, better_than_chance
from smbcore.selection import TOP_SHARE, select_top_share, top_count

__all__ = [
    "TargetingModel",
    "fit",
    "SENSITIVE_NAMES",
    "sensitive_columns",
    "AFTER_CONTACT_NAMES",
    "TargetingError",
    "TargetingDataError",
    "REQUIREMENT",
    "RULE_WORDS",
]

REQUIREMENT = REQUIREMENTS["targeting_orders"]  # learning from orders; the health check reports the same rule
RULE_WORDS = "most recent buyers first"  # the stated rule the list follows when the model cannot tell
SENSITIVE_NAMES = ("age", "sex", "gender", "marital", "marital_status", "race", "ethnicity", "religion",
                   "disability", "nationality", "date_of_birth", "birth_year", "pregnant")  # fmt: skip
AFTER_CONTACT_NAMES = ("duration", "call_duration", "call_length", "talk_time", "call_seconds", "responded_at",
                       "response_date", "response_time", "converted_at", "order_after")  # fmt: skip
_ID_LIKE = ("customer_id", "id", "row_id", "email", "name", "phone", "contacted_at", "timestamp", "date")


class TargetingError(SmbcoreError):
    """The data cannot train a response model; the message says why and what to do."""


class TargetingDataError(TargetingError, NotEnoughDataError):
    """Too few responses, non-responses or days of history to learn who responds."""


@dataclass
class TargetingModel:
    """A fitted response model. `inputs`: the columns it uses; `sensitive`: kept for audits only (unless
    `uses_sensitive`); `left_out`: column -> why it is not an input; `holdout`: the held-out rows with the
    target and the probability the held-out model gave them."""

    target: str
    inputs: list[str]
    numeric: list[str]
    categorical: list[str]
    sensitive: list[str]
    uses_sensitive: bool
    left_out: dict[str, str]
    pipeline: Pipeline
    holdout_pipeline: Pipeline
    holdout: pd.DataFrame
    split: str
    rows: int
    trained_rate: float
    fitted_at: str = field(default_factory=lambda: datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"))
    reference: dict = field(default_factory=dict)  # per input: training quantiles or category shares (drift)
    auc_range: tuple = (float("nan"), float("nan"))  # 95% range of the held-out ROC AUC

    @property
    def tells(self) -> bool:
        """True when the held-out check is better than chance (its whole 95% AUC range above 0.5). Otherwise
        `select` follows the stated rule (RULE_WORDS) and the pages say the data cannot tell yet."""
        return better_than_chance(self.auc_range[0])

    def model_frame(self, frame: pd.DataFrame) -> pd.DataFrame:
        """`frame` as the pipelines take it: the model's inputs in order (a missing one is all empty),
        categories as text objects with missing values as NaN. Same index as `frame`."""
        return _as_model_frame(_inputs(frame, self.inputs), self.categorical)

    def score(self, frame: pd.DataFrame) -> pd.Series:
        """Chance of responding per row (index as `frame`)."""
        return pd.Series(self.pipeline.predict_proba(_inputs(frame, self.inputs))[:, 1], index=frame.index)

    def evaluate(self) -> dict:
        """Held-out quality: auc (+ auc_low, auc_high: its 95% range; tells: the range is above 0.5),
        average_precision, lift_top10 (response rate of the top 10% against all), brier, base rates
        (train_rate, test_rate, mean predicted), rows, split, and `gains` (DataFrame: share contacted, share of
        responders reached)."""
        y = self.holdout[self.target].to_numpy(dtype=int)
        p = self.holdout["probability"].to_numpy()
        order = np.argsort(-p, kind="stable")
        reached = np.cumsum(y[order]) / max(y.sum(), 1)
        shares = np.linspace(0, 1, 21)
        positions = np.clip((shares * len(y)).astype(int) - 1, 0, len(y) - 1)
        gains = pd.DataFrame(
            {"contacted": shares, "responders_reached": np.where(shares == 0, 0.0, reached[positions])}
        )
        top = order[: max(len(y) // 10, 1)]
        return {
            "auc": float(roc_auc_score(y, p)) if 0 < y.sum() < len(y) else float("nan"),
            "auc_low": self.auc_range[0],
            "auc_high": self.auc_range[1],
            "tells": self.tells,
            "average_precision": float(average_precision_score(y, p)) if y.sum() else float("nan"),
            "lift_top10": float(y[top].mean() / y.mean()) if y.mean() else float("nan"),
            "brier": float(brier_score_loss(y, p)),
            "train_rate": self.trained_rate,
            "test_rate": float(y.mean()),
            "predicted_rate": float(p.mean()),
            "rows": len(y),
            "split": self.split,
            "gains": gains,
        }

    def select(
        self,
        frame: pd.DataFrame,
        budget: float,
        cost_per_contact: float,
        value_per_response: float = 0.0,
        equal_share_by: pd.Series | None = None,
    ) -> pd.DataFrame:
        """Who to contact: rows ranked by chance of responding; the top `budget // cost_per_contact` are
        contacted (fewer when `value_per_response` is given and a contact is expected to cost more than it
        brings). equal_share_by: group per row (e.g. age bands): contact the same share of every group.
        When the model cannot tell (`tells` is False) nobody is ranked on its noise: every row gets the
        response rate seen when it learned as probability, and rows follow RULE_WORDS (by recency_days when
        the frame has it, else in the frame's order).
        Returns frame's id column (customer_id when present) with probability, expected_value, rank and
        contact (True/False), best first."""
        if cost_per_contact <= 0:
            raise TargetingError("The cost per contact must be above 0.")
        scored = pd.DataFrame(index=frame.index)
        if "customer_id" in frame:
            scored["customer_id"] = frame["customer_id"]
        if self.tells:
            scored["probability"] = self.score(frame)
            scored["expected_value"] = scored["probability"] * value_per_response
            scored = scored.sort_values("probability", ascending=False, kind="stable")
        else:
            scored["probability"] = self.trained_rate
            scored["expected_value"] = scored["probability"] * value_per_response
            if "recency_days" in frame:
                order = pd.to_numeric(frame["recency_days"], errors="coerce").fillna(np.inf)
                scored = scored.iloc[np.argsort(order.to_numpy(), kind="stable")]
        scored["rank"] = np.arange(1, len(scored) + 1)
        affordable = int(max(budget, 0) // cost_per_contact)
        worth = scored["expected_value"] >= cost_per_contact if value_per_response else True
        if equal_share_by is None:
            scored["contact"] = (scored["rank"] <= affordable) & worth
        else:  # the same share of every group, each group's best first (the owner's mitigation choice)
            share = min(affordable / max(len(scored), 1), 1.0)
            groups = equal_share_by.reindex(scored.index).to_numpy()
            scored["contact"] = select_top_share(-scored["rank"].to_numpy(), share, groups) & worth
        return scored.reset_index(drop=True)

    def top_share(self, frame: pd.DataFrame, share: float = TOP_SHARE) -> pd.DataFrame:
        """The contact list of the top `share` of `frame` (as `select` with a budget of top_count(rows, share)
        contacts at 1 each): the list the Fairness and Marketing pages show as 'the top 20%'."""
        return self.select(frame, top_count(len(frame), share), 1.0)

    def top_share_threshold(self, frame: pd.DataFrame, share: float = TOP_SHARE) -> float:
        """The chance at which the `top_share` list of `frame` stops (the lowest chance on it; NaN when the
        list is empty): a row scoring at least this is on the list."""
        chosen = self.top_share(frame, share)
        return float(chosen.loc[chosen["contact"], "probability"].min())

    def drift(self, frame: pd.DataFrame) -> pd.DataFrame:
        """How far the rows to score are from what the model learned from, per input: the population stability
        index (under 0.1 small, 0.1-0.25 moderate, above 0.25 large). Returns input, psi, size (words)."""
        return _stability(self.reference, self.inputs, self.numeric, frame)


def _inputs(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    out = pd.DataFrame(index=frame.index)
    for column in columns:
        out[column] = frame[column] if column in frame else np.nan
    return out


def _kind(series: pd.Series) -> str:
    if pd.api.types.is_bool_dtype(series) or str(series.dtype) == "boolean":
        return "categorical"
    return "numeric" if pd.api.types.is_numeric_dtype(series) else "categorical"


def _pipeline(numeric: list[str], categorical: list[str], c: float = 1.0) -> Pipeline:
    transformers = []
    if numeric:
        transformers.append(
            ("num", make_pipeline(SimpleImputer(strategy="median", add_indicator=True), StandardScaler()), numeric)
        )
    if categorical:
        transformers.append(
            (
                "cat",
                make_pipeline(
                    SimpleImputer(strategy="constant", fill_value="(missing)"),
                    OneHotEncoder(handle_unknown="infrequent_if_exist", min_frequency=20, sparse_output=False),
                ),
                categorical,
            )
        )
    return Pipeline([("prepare", ColumnTransformer(transformers)), ("model", LogisticRegression(C=c, max_iter=3000))])


def _as_model_frame(frame: pd.DataFrame, categorical: list[str]) -> pd.DataFrame:
    out = frame.copy()
    for column in categorical:
        out[column] = out[column].astype("string").astype(object).where(out[column].notna(), np.nan)
    return out


def fit(
    frame: pd.DataFrame,
    target: str,
    sensitive=(),
    exclude=(),
    use_sensitive: bool = False,
    time_column: str | None = None,
) -> TargetingModel:
    """Learn who responds.

    frame: one row per past contact (or customer) with `target` (yes/no) and candidate inputs. sensitive:
    columns to keep out of the inputs, added to those found by name (age, sex, gender, marital status...);
    they stay in the audit. exclude: other columns to leave out. use_sensitive: use them as inputs anyway.
    time_column: a date to order rows by for the held-out check (default: the file's row order, oldest first).
    Quality is measured on the last 20% of rows by a model learned on the first 80%; the model used for
    scoring then learns from every row.
    """
    frame, y = _answers(frame, target)
    sensitive = list(dict.fromkeys([*sensitive_columns(frame.columns), *[s for s in sensitive if s in frame]]))
    left_out = _left_out(frame, target, sensitive, exclude, use_sensitive)
    left_out |= _give_away(frame, y, [c for c in frame.columns if c != target and c not in left_out])
    inputs = [c for c in frame.columns if c != target and c not in left_out]
    if not inputs:
        raise TargetingError("No column is left to learn from after leaving out identifiers and sensitive ones.")
    numeric = [c for c in inputs if _kind(frame[c]) == "numeric"]
    categorical = [c for c in inputs if c not in numeric]
    data = _as_model_frame(frame[inputs], categorical)
    order = (
        np.argsort(pd.to_datetime(frame[time_column]).to_numpy(), kind="stable")
        if time_column
        else np.arange(len(frame))
    )
    cut = int(len(order) * 0.8)
    train, test = order[:cut], order[cut:]
    holdout_pipeline = _pipeline(numeric, categorical).fit(data.iloc[train], y.iloc[train])
    holdout = frame.iloc[test].copy()
    holdout[target] = y.iloc[test].to_numpy()
    holdout["probability"] = holdout_pipeline.predict_proba(data.iloc[test])[:, 1]
    split = "time order" if time_column else "row order"
    return TargetingModel(
        target=target,
        inputs=inputs,
        numeric=numeric,
        categorical=categorical,
        sensitive=sensitive,
        uses_sensitive=use_sensitive,
        left_out=left_out,
        pipeline=_pipeline(numeric, categorical).fit(data, y),
        holdout_pipeline=holdout_pipeline,
        holdout=holdout,
        split=f"learned on the first 80% of {len(frame):,} rows ({split}), checked on the last 20%",
        rows=len(frame),
        trained_rate=float(y.iloc[train].mean()),
        reference=_reference(data, numeric, categorical),
        auc_range=auc_with_range(holdout[target].to_numpy(dtype=int), holdout["probability"].to_numpy())[1:],
    )


def sensitive_columns(columns) -> list[str]:
    """The columns whose names (any case) are in SENSITIVE_NAMES, in SENSITIVE_NAMES' order."""
    names = {str(c).lower(): c for c in columns}
    return [names[n] for n in SENSITIVE_NAMES if n in names]


def _answers(frame: pd.DataFrame, target: str) -> tuple[pd.DataFrame, pd.Series]:
    """The rows with a yes/no in `target`, and those answers (bool); TargetingError / TargetingDataError when
    the column is missing, has one kind of answer only, or too few of either (REQUIREMENT.min_each_outcome)."""
    if target not in frame:
        raise TargetingError(f"The data has no '{target}' column saying who responded.")
    y = frame[target].astype("boolean")
    if y.isna().all() or y.nunique(dropna=True) < 2:
        raise TargetingError(f"'{target}' needs both yes and no answers to learn from; it has only one kind.")
    frame = frame[y.notna()]
    y = y[y.notna()].astype(bool)
    least = REQUIREMENT.min_each_outcome
    if y.sum() < least or (~y).sum() < least:
        raise TargetingDataError(
            f"Learning who to contact needs at least {least} customers who responded and {least} who did not; this "
            f"data has {int(y.sum())} and {int((~y).sum())}. Add more history, or a past campaign with who "
            "responded, on 'Your data'."
        )
    return frame, y


def _left_out(frame: pd.DataFrame, target: str, sensitive: list[str], exclude, use_sensitive: bool) -> dict:
    """Columns that are not inputs, each with why: known only after the contact, left out by the owner,
    sensitive (unless used on purpose), an identifier or date, or the same for everyone."""
    left_out: dict[str, str] = {}
    for column in frame.columns:
        low = column.lower()
        if column == target:
            continue
        if low in AFTER_CONTACT_NAMES:
            left_out[column] = "known only after the contact (it would not be there when choosing whom to call)"
        elif column in exclude:
            left_out[column] = "left out by you"
        elif column in sensitive and not use_sensitive:
            left_out[column] = "sensitive: kept for the fairness check, not used to decide"
        elif low in _ID_LIKE or (_kind(frame[column]) == "categorical" and frame[column].nunique() > 0.5 * len(frame)):
            left_out[column] = "an identifier or date, not a trait"
        elif frame[column].nunique(dropna=True) < 2:
            left_out[column] = "the same for everyone"
    return left_out


def _give_away(frame: pd.DataFrame, y: pd.Series, inputs: list[str]) -> dict:
    """Numeric inputs that alone give the answer away (AUC above 0.95): almost always recorded after it."""
    found = {}
    for column in inputs:
        if _kind(frame[column]) == "numeric" and frame[column].notna().mean() > 0.5:
            auc = roc_auc_score(y, frame[column].fillna(frame[column].median()))
            if max(auc, 1 - auc) > 0.95:
                found[column] = (
                    f"gives the answer away on its own (AUC {max(auc, 1 - auc):.2f}): probably recorded after"
                )
    return found
