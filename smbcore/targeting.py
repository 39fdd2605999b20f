"""Who to contact: a response model learned from the shop's own past campaign (or purchases), its held-out
quality in plain figures, and the contact list for a budget.

The model is a regularised logistic regression on one-hot categories and scaled numbers. On the Bank
Marketing sample it held up best when the later period looked different from the earlier one (see
benchmarks/targeting.py), and its contributions add up exactly to each prediction, so every decision can be
explained. Columns known only after the contact (a call's duration) are kept out, with the reason.
Sensitive attributes (age, sex/gender, marital status, and any the owner names) are not inputs unless the
owner asks; they are kept for the fairness audit.
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

from smbcore.errors import NotEnoughDataError, SmbcoreError, require_customer_ids
from smbcore.requirements import CHECK_DAYS, REQUIREMENTS, auc_with_range, better_than_chance, facts

__all__ = [
    "TargetingModel",
    "fit",
    "training_frame",
    "purchase_frames",
    "SENSITIVE_NAMES",
    "AFTER_CONTACT_NAMES",
    "TargetingError",
    "REQUIREMENT",
    "RULE_WORDS",
    "OUTCOME_WORDS",
    "CAMPAIGN_SOURCE",
    "ORDERS_SOURCE",
    "VISITS_SOURCE",
]

REQUIREMENT = REQUIREMENTS["targeting_orders"]  # learning from orders; the health check reports the same rule
RULE_WORDS = "most recent buyers first"  # the stated rule the list follows when the model cannot tell

CAMPAIGN_SOURCE = "your past campaign: who responded"
ORDERS_SOURCE = "your orders: who bought again in the last 90 days"
VISITS_SOURCE = "your website visits: which ended in a purchase"
# What the response model's chance is a chance of, by what it learned from (frames_from's source words).
OUTCOME_WORDS = {
    CAMPAIGN_SOURCE: "chance of responding to a contact",
    ORDERS_SOURCE: "chance of an order in the next 90 days",
    VISITS_SOURCE: "chance that a visit ends in a purchase",
}

SENSITIVE_NAMES = ("age", "sex", "gender", "marital", "marital_status", "race", "ethnicity", "religion",
                   "disability", "nationality", "date_of_birth", "birth_year", "pregnant")  # fmt: skip
AFTER_CONTACT_NAMES = ("duration", "call_duration", "call_length", "talk_time", "call_seconds", "responded_at",
                       "response_date", "response_time", "converted_at", "order_after")  # fmt: skip
_ID_LIKE = ("customer_id", "id", "row_id", "email", "name", "phone", "contacted_at", "timestamp", "date")


class TargetingError(SmbcoreError):
    """The data cannot train a response model; the message says why and what to do."""


class TargetingDataError(TargetingError, NotEnoughDataError):
    """Too few responses, non-responses or days of history to learn who responds."""


def training_frame(campaigns: pd.DataFrame, customers: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per past contact: the campaign row plus the customer's attributes (joined on customer_id)."""
    if customers is None or "customer_id" not in campaigns:
        return campaigns.copy()
    extra = customers.drop_duplicates("customer_id")
    extra = extra[["customer_id", *[c for c in extra.columns if c not in campaigns]]]
    return campaigns.merge(extra, on="customer_id", how="left")


_BEHAVIOUR = ["recency_days", "frequency", "monetary", "tenure_days", "orders_90d", "orders_180d", "spend_90d",
              "spend_180d", "products", "avg_gap_days", "return_share"]  # fmt: skip


def purchase_frames(transactions: pd.DataFrame, days: int = 90) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Without a past campaign, learn from purchases: who bought in the last `days` given their behaviour
    before them. Returns (training frame: customer_id, behaviour, country, responded; scoring frame: the
    same behaviour as of the last order date, without responded)."""
    from smbcore.customers import rfm

    require_customer_ids(transactions, "Learning who to contact from your orders", TargetingDataError)
    end = transactions["timestamp"].max()
    cutoff = end - pd.Timedelta(days=days)
    before = transactions[transactions["timestamp"] <= cutoff]
    missing = REQUIREMENT.shortfalls(facts(transactions)) if days == CHECK_DAYS else []
    if before.empty or missing:
        raise TargetingDataError(
            "Learning who to contact from your orders needs "
            + ("; ".join(missing) if missing else f"more than {days} days of orders")
            + ". Add more history (or a past campaign with who responded) on 'Your data'."
        )
    country = None
    if "country" in transactions:
        country = (
            transactions.dropna(subset=["customer_id"])
            .groupby("customer_id")["country"]
            .agg(lambda s: s.mode().iat[0] if s.notna().any() else None)
        )
    frames = []
    for asof, part in ((cutoff, before), (end, transactions)):
        table = rfm(part, asof)[_BEHAVIOUR].rename_axis("customer_id").reset_index()
        if country is not None:
            table["country"] = table["customer_id"].map(country).astype("string")
        frames.append(table)
    later = transactions[(transactions["timestamp"] > cutoff) & ~transactions["is_return"]]
    frames[0]["responded"] = frames[0]["customer_id"].isin(later["customer_id"].dropna().unique())
    return frames[0], frames[1]


def frames_from(tables: dict[str, pd.DataFrame]) -> tuple[pd.DataFrame, pd.DataFrame, str, str]:
    """What to learn from and whom to score, from the workspace's tables (name -> frame), best source first:
    a past campaign (joined with customers), else purchases (transactions), else website visits (sessions).
    Returns (training frame, frame to score, target column, the source in words)."""
    if tables.get("campaigns") is not None:
        frame = training_frame(tables["campaigns"], tables.get("customers"))
        return frame, frame.drop(columns=["responded"]), "responded", CAMPAIGN_SOURCE
    if tables.get("transactions") is not None:
        train, now = purchase_frames(tables["transactions"])
        return train, now, "responded", ORDERS_SOURCE
    if tables.get("sessions") is not None:
        visits = tables["sessions"].reset_index(drop=True)
        if "customer_id" not in visits:
            visits = visits.assign(customer_id=[f"visit {i + 1}" for i in range(len(visits))])
        return visits, visits.drop(columns=["converted"]), "converted", VISITS_SOURCE
    raise TargetingError("Targeting needs a past campaign, orders or website visits. Add one on 'Your data'.")


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
            groups = equal_share_by.reindex(scored.index).astype("string").fillna("unknown")
            share = min(affordable / max(len(scored), 1), 1.0)
            within = scored.groupby(groups, sort=False).cumcount() + 1
            quota = groups.map(groups.value_counts() * share).round()
            scored["contact"] = (within <= quota) & worth
        return scored.reset_index(drop=True)

    def drift(self, frame: pd.DataFrame) -> pd.DataFrame:
        """How far the rows to score are from what the model learned from, per input: the population stability
        index (under 0.1 small, 0.1-0.25 moderate, above 0.25 large). Returns input, psi, size (words)."""
        rows = []
        for column in self.inputs:
            ref = self.reference.get(column)
            if ref is None or column not in frame:
                continue
            if column in self.numeric:
                edges = np.unique(ref["edges"])
                values = pd.to_numeric(frame[column], errors="coerce").dropna().to_numpy()
                now = np.histogram(np.clip(values, edges[0], edges[-1]), edges)[0] / max(len(values), 1)
                then = np.asarray(ref["shares"])
            else:
                shares = frame[column].astype("string").fillna("(missing)").value_counts(normalize=True)
                then = pd.Series(ref["shares"])
                now = shares.reindex(then.index, fill_value=0).to_numpy()
                then = then.to_numpy()
            now, then = np.clip(now, 1e-4, None), np.clip(then, 1e-4, None)
            psi = float(((now - then) * np.log(now / then)).sum())
            rows.append(
                {"input": column, "psi": psi, "size": "large" if psi > 0.25 else "moderate" if psi > 0.1 else "small"}
            )
        return pd.DataFrame(rows, columns=["input", "psi", "size"]).sort_values(
            "psi", ascending=False, ignore_index=True
        )


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
    left_out: dict[str, str] = {}
    names = {c.lower(): c for c in frame.columns}
    found_sensitive = [names[n] for n in SENSITIVE_NAMES if n in names]
    sensitive = list(dict.fromkeys([*found_sensitive, *[s for s in sensitive if s in frame]]))
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
    inputs = [c for c in frame.columns if c != target and c not in left_out]
    for column in inputs:  # a single input that alone gives the answer away is almost always recorded after it
        if _kind(frame[column]) == "numeric" and frame[column].notna().mean() > 0.5:
            values = frame[column].fillna(frame[column].median())
            auc = roc_auc_score(y, values)
            if max(auc, 1 - auc) > 0.95:
                left_out[column] = (
                    f"gives the answer away on its own (AUC {max(auc, 1 - auc):.2f}): probably recorded after"
                )
    inputs = [c for c in inputs if c not in left_out]
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
    pipeline = _pipeline(numeric, categorical).fit(data, y)
    split = "time order" if time_column else "row order"
    return TargetingModel(
        target=target,
        inputs=inputs,
        numeric=numeric,
        categorical=categorical,
        sensitive=sensitive,
        uses_sensitive=use_sensitive,
        left_out=left_out,
        pipeline=pipeline,
        holdout_pipeline=holdout_pipeline,
        holdout=holdout,
        split=f"learned on the first 80% of {len(frame):,} rows ({split}), checked on the last 20%",
        rows=len(frame),
        trained_rate=float(y.iloc[train].mean()),
        reference=_reference(data, numeric, categorical),
        auc_range=auc_with_range(holdout[target].to_numpy(dtype=int), holdout["probability"].to_numpy())[1:],
    )


def _reference(data: pd.DataFrame, numeric: list[str], categorical: list[str]) -> dict:
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
