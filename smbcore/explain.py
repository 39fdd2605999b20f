"""Why a model decided what it did: per-decision contributions that add up to the prediction, which inputs
matter overall, the smallest change that would flip a decision, and a model card for every model in the app."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.inspection import permutation_importance

from smbcore.labels import COUNTS, DAYS, feature_words, plain_name, value_words
from smbcore.targeting import TargetingModel

__all__ = ["explain", "importance", "flips", "what_would_change", "model_card", "model_cards"]


def _logit(p):
    p = np.clip(p, 1e-12, 1 - 1e-12)
    return np.log(p / (1 - p))


def _design(model: TargetingModel, rows: pd.DataFrame) -> tuple[np.ndarray, list[str], list[str]]:
    """Rows as the logistic regression sees them, with each design column's source input."""
    prepare = model.pipeline.named_steps["prepare"]
    design = prepare.transform(model.model_frame(rows))
    names = list(prepare.get_feature_names_out())
    sources = []
    for name in names:
        kind, _, rest = name.partition("__")
        if kind == "num":
            source = rest.removeprefix("missingindicator_")
        else:  # one-hot columns are '<input>_<category>'; inputs may contain '_' themselves
            source = max((c for c in model.categorical if rest.startswith(c + "_")), key=len)
        sources.append(source)
    return np.asarray(design, dtype=float), names, sources


def explain(model: TargetingModel, rows: pd.DataFrame) -> pd.DataFrame:
    """Per-row contributions to the chance of responding, in log-odds, per input.

    rows: the frame to explain (any rows the model can score). Each contribution is the input's effect against
    an average customer; `base` (the average customer's log-odds) plus a row's contributions is exactly its
    predicted log-odds. Returns row (rows' index), input, value (as given), contribution, base, probability."""
    design, _, sources = _design(model, rows)
    regression = model.pipeline.named_steps["model"]
    coef = regression.coef_[0]
    prepare = model.pipeline.named_steps["prepare"]
    reference = np.asarray(prepare.transform(model.model_frame(model.holdout)), dtype=float).mean(axis=0)
    parts = (design - reference) * coef
    base = float(regression.intercept_[0] + reference @ coef)
    per_input = pd.DataFrame(parts, columns=sources).T.groupby(level=0, sort=False).sum().T
    probability = model.score(rows).to_numpy()
    out = per_input.set_axis(rows.index).stack().rename("contribution").reset_index()
    out.columns = ["row", "input", "contribution"]
    out["value"] = [rows.at[r, c] if c in rows else None for r, c in zip(out["row"], out["input"], strict=True)]
    out["base"] = base
    out["probability"] = out["row"].map(dict(zip(rows.index, probability, strict=True)))
    return out[["row", "input", "value", "contribution", "base", "probability"]]


def importance(model: TargetingModel, repeats: int = 5, seed: int = 0) -> pd.DataFrame:
    """Which inputs matter most overall: how much the held-out ROC AUC drops when an input is shuffled
    (permutation importance, on the held-out rows with the model learned without them).
    Returns input, auc_drop, spread, best first."""
    data = model.model_frame(model.holdout)
    y = model.holdout[model.target].astype(int)
    result = permutation_importance(
        model.holdout_pipeline, data, y, scoring="roc_auc", n_repeats=repeats, random_state=seed
    )
    table = pd.DataFrame({"input": model.inputs, "auc_drop": result.importances_mean, "spread": result.importances_std})
    return table.sort_values("auc_drop", ascending=False, ignore_index=True)


def flips(model: TargetingModel, row: pd.DataFrame, threshold: float, currency: str | None = None) -> pd.DataFrame:
    """The smallest realistic single changes that would move this row across `threshold` (the chance at which
    the contact list stops), smallest first. A number's change must keep it inside the range seen in the data
    (whole orders and days move to the first whole value that crosses); a category can take any value seen.
    row: one row (a one-row frame). Returns input, value (the new value) and words ("spend in the last 90 days
    were €656 instead of €43.50": inputs by their plain names, values with units, money in `currency`)."""
    p = float(model.score(row).iloc[0])
    options = _number_flips(model, row, threshold, p, currency) + _category_flips(model, row, threshold, p)
    options.sort(key=lambda o: (o[0], o[3]))
    return pd.DataFrame([o[1:] for o in options], columns=["input", "value", "words"])


def _number_flips(model, row: pd.DataFrame, threshold: float, p: float, currency: str | None) -> list[tuple]:
    """(size of the change against the input's range, input, new value, words) per numeric input that can cross.
    Every input's probe (one more unit) is scored in one call."""
    target, now = float(_logit(threshold)), float(_logit(p))
    columns = [c for c in model.numeric
               if model.reference.get(c, {}).get("edges") is not None and not pd.isna(row[c].iloc[0])]  # fmt: skip
    if not columns:
        return []
    probes = pd.concat([row.assign(**{column: row[column].iloc[0] + 1.0}) for column in columns], ignore_index=True)
    slopes = _logit(model.score(probes).to_numpy(dtype=float)) - now
    options = []
    for column, slope in zip(columns, slopes, strict=True):
        if abs(slope) < 1e-9:
            continue
        edges, old = model.reference[column]["edges"], row[column].iloc[0]
        change = (target - now) / float(slope)
        change += np.sign(change) * 1e-6
        new = old + change
        if column in COUNTS or column in DAYS:  # whole orders and days: the first whole value that flips it
            new = float(np.ceil(new) if change > 0 else np.floor(new))
        if edges[0] <= new <= edges[-1]:
            words = f"{feature_words(column)} were {value_words(column, new, currency)} instead of {value_words(column, old, currency)}"
            options.append((abs(change) / ((edges[-1] - edges[0]) or 1.0), column, new, words))
    return options


def _category_flips(model, row: pd.DataFrame, threshold: float, p: float) -> list[tuple]:
    """(0.5 + the input's weight, input, new level, words): the first other level of each category that crosses.
    Every level of every input is scored in one call."""
    contributions = explain(model, row).set_index("input")["contribution"]
    tried = [(column, level) for column in model.categorical
             for level in model.reference.get(column, {}).get("shares", {})
             if level not in (str(row[column].iloc[0]), "(missing)")]  # fmt: skip
    if not tried:
        return []
    probes = pd.concat([row.assign(**{column: level}) for column, level in tried], ignore_index=True)
    crosses = (model.score(probes).to_numpy(dtype=float) >= threshold) != (p >= threshold)
    options, done = [], set()
    for (column, level), crossed in zip(tried, crosses, strict=True):
        if crossed and column not in done:
            done.add(column)
            words = f"{feature_words(column)} were '{level}' instead of '{row[column].iloc[0]}'"
            options.append((0.5 + abs(contributions.get(column, 0)) / 10, column, level, words))
    return options


def what_would_change(
    model: TargetingModel, row: pd.DataFrame, threshold: float, currency: str | None = None
) -> list[str]:
    """Up to three of `flips` in words, smallest first: "would be on the contact list if ..." (or "would drop
    off the contact list if ..." for a row at or above `threshold`). row: one row (a one-row frame)."""
    inside = float(model.score(row).iloc[0]) >= threshold
    verb = "would drop off the contact list if" if inside else "would be on the contact list if"
    return [f"{verb} {words}" for words in flips(model, row, threshold, currency)["words"].head(3)]


def model_card(model, **facts) -> dict:
    """A model card: what the model is for, what it learned from and when, its inputs, held-out quality,
    known limits and what it must not be used for. Works for a TargetingModel, the recommender, the customer
    analysis, and for 'forecast' / 'allocation' (pass facts such as quality=...)."""
    from smbcore.customers import CustomerAnalysis
    from smbcore.recommend import Recommender

    if isinstance(model, TargetingModel):
        quality = model.evaluate()
        return {
            "name": "Who to contact (response model)",
            "purpose": "Rank customers by their chance of responding to a contact, to choose whom to contact within a budget.",
            "learned_from": f"{model.rows:,} past contacts ({model.split}); fitted {model.fitted_at}.",
            "inputs": ", ".join(plain_name(c) for c in model.inputs),
            "left_out": "; ".join(f"{plain_name(k)}: {v}" for k, v in model.left_out.items()),
            "quality": f"ROC AUC {quality['auc']:.3f}, average precision {quality['average_precision']:.3f}, "
            f"top 10% respond {quality['lift_top10']:.1f} times as often as average (held out).",
            "limits": "Learns from who responded before: people never contacted are guesses. When the customers "
            "to score differ from the past (see the drift check), the chances shift. Response rate when learned "
            f"{quality['train_rate']:.1%}, in the held-out period {quality['test_rate']:.1%}.",
            "not_for": "Credit, pricing, hiring or any decision with legal or similarly significant effects on a person.",
        }
    if isinstance(model, Recommender):
        return {
            "name": "Product recommendations",
            "purpose": "Suggest products each customer is likely to buy (re-buys and new products), with a reason.",
            "learned_from": f"Order lines of {len(model.users_):,} customers and {len(model.items_):,} products.",
            "inputs": "Who bought what and when (recent purchases count more). No personal attributes.",
            "left_out": "Age, gender and other personal attributes are never used.",
            "quality": facts.get("quality", "Not checked on these orders here."),
            "limits": "New customers and new products get popular items; tastes that changed recently show late.",
            "not_for": "Deciding prices or who may buy what.",
        }
    if isinstance(model, CustomerAnalysis):
        check = model.check or {}
        auc = check.get("churn_auc")
        return {
            "name": "Customer segments, churn risk and 90-day spend",
            "purpose": "Name each customer's stage (segment), the chance of no order in 90 days and the expected spend.",
            "learned_from": f"The shop's order history ({len(model.profile):,} customers).",
            "inputs": "Recency, frequency, spend, tenure, recent orders and spend, products bought, gaps, returns.",
            "left_out": "No personal attributes (age, gender, location) are inputs.",
            "quality": f"Churn ROC AUC {auc:.3f} on a held-out 90 days."
            if auc is not None and np.isfinite(auc)
            else "Too little history for a held-out check yet.",
            "limits": "Judged on one held-out period; seasonal shops may see risk rise before every quiet season.",
            "not_for": "Refusing service or setting individual prices.",
        }
    if model == "forecast":
        return {
            "name": "Sales and demand forecast",
            "purpose": "Expected sales per day or week with 80% and 95% ranges, for stock and staff plans.",
            "learned_from": facts.get("learned_from", "The shop's own daily or weekly sales."),
            "inputs": "Past sales (trend, weekly or yearly season), public holidays, your events, outside factors that helped.",
            "left_out": "Factors that did not make past forecasts more accurate; no customer data.",
            "quality": facts.get("quality", "See 'How accurate has this been?' on the Forecast page."),
            "limits": "Cannot foresee what never happened before (a new shop, a pandemic); ranges assume the future "
            "errs like the recent past.",
            "not_for": "Judging staff performance.",
        }
    if model == "allocation":
        return {
            "name": "Stock, staff and budget plans",
            "purpose": "Turn the forecasts into reorder points, a rota and a marketing budget split.",
            "learned_from": "The forecasts above and your settings (service level, wages, costs).",
            "inputs": "Forecast demand and its range, prices, your costs and limits.",
            "left_out": "No personal data of customers or staff.",
            "quality": facts.get("quality", "See the replays on the Plan page."),
            "limits": "Textbook formulas assume demand in the range the forecast gives; the budget split uses your "
            "estimate of how customers respond.",
            "not_for": "Deciding which named staff member works or loses hours.",
        }
    raise TypeError(f"No model card for {type(model).__name__}")


def model_cards(models: dict, facts: dict | None = None) -> pd.DataFrame:
    """Cards for several models side by side: {label: model or 'forecast'/'allocation'} -> one row per card.
    facts: {label: facts for that card's model_card}, e.g. a measured quality sentence."""
    facts = facts or {}
    return pd.DataFrame([model_card(m, **facts.get(label, {})) for label, m in models.items()])
