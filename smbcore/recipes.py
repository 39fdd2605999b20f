"""The models and tables the pages show, as recipes (smbcore.results), and the requests a refresh works out.

Every function here is a function of a workspace's tables and plain settings, so a refresh job (in another
process, or on a Dask worker) can work it out by name; pages read the stored result. `defaults(workspace)` lists
the requests the pages make at their default settings: what a refresh computes so that a first visit reads
instead of fitting.

Data contract of each recipe: the docstring of the smbcore function it wraps (customers.analyse,
recommend.fit, email_plan.next_best_actions, allocate.stock_inputs, ...).
"""

from __future__ import annotations

import pandas as pd

from smbcore import results
from smbcore.results import need, recipe, recipe_named

# smbcore's model modules (scikit-learn, scipy, statsmodels) are imported by the recipes that use them, not when
# the app starts: the Overview of a new visitor needs none of them.

__all__ = [
    "HEAVY",
    "LIGHT",
    "backtest",
    "choose_factors",
    "contact_list",
    "contact_threshold",
    "drivers",
    "forecast",
    "all_recommendations",
    "defaults",
    "followups",
    "marketing_plan",
    "recommender",
    "targeting_audit",
    "targeting_importance",
    "targeting_mitigation",
    "targeting_model",
]

TARGETING_TABLES = ("campaigns", "customers", "transactions", "sessions")
NO_CHOICE = ((), (), False)  # the targeting model's inputs as the pages first ask: (sensitive, exclude, use_sensitive)


def recommender(transactions: pd.DataFrame):
    """recommend.fit on the orders (which products go together, and for whom): a Recommender."""
    from smbcore import recommend

    return recommend.fit(transactions)


def marketing_plan(transactions: pd.DataFrame, customers_table: pd.DataFrame | None) -> pd.DataFrame:
    """email_plan.next_best_actions with the stored customer analysis and recommender (consent from the
    customers table when there is one)."""
    from smbcore.email_plan import next_best_actions

    analysis = need(ANALYSE)
    return next_best_actions(transactions, customers_table, analysis=analysis, recommender=need(recommender))


def all_recommendations(transactions: pd.DataFrame, k: int, exclude_purchased: bool) -> pd.DataFrame:
    """Top-k products for every customer: customer_id, product_id, rank, score (Recommender.recommend)."""
    model = need(recommender)
    return model.recommend(model.users_, k=k, exclude_purchased=exclude_purchased)


def targeting_model(tables: dict, sensitive: tuple = (), exclude: tuple = (), use_sensitive: bool = False) -> tuple:
    """(TargetingModel, frame to score, source in words) from the best source among the tables
    (targeting.frames_from: a past campaign, else purchases, else website visits)."""
    from smbcore.targeting import fit as fit_targeting
    from smbcore.targeting import frames_from

    present = {name: frame for name, frame in tables.items() if frame is not None}
    train, now, target, source = frames_from(present)
    model = fit_targeting(train, target, sensitive=sensitive, exclude=exclude, use_sensitive=use_sensitive)
    return model, now, source


def targeting_importance(tables: dict, sensitive: tuple = (), exclude: tuple = (), use_sensitive: bool = False):
    """explain.importance of the stored targeting model with these inputs: input, auc_drop, spread."""
    from smbcore import explain

    model = need(targeting_model, sensitive, exclude, use_sensitive)[0]
    return explain.importance(model)


def _first_targeting_model():
    return need(targeting_model, *NO_CHOICE)[:2]


def contact_list(tables: dict) -> pd.DataFrame:
    """TargetingModel.top_share of everyone scored (customer_id, contact, ...), before the owner's overrides."""
    model, now = _first_targeting_model()
    return model.top_share(now)


def contact_threshold(tables: dict) -> float:
    """The lowest chance still on the top-share contact list (TargetingModel.top_share_threshold)."""
    model, now = _first_targeting_model()
    return float(model.top_share_threshold(now))


def targeting_audit(tables: dict, sensitive: tuple):
    """fairness.audit of the model's contact decision on its held-out rows, per sensitive column."""
    from smbcore import fairness  # fairlearn: imported when first needed, not when the app starts

    model, _ = _first_targeting_model()
    return fairness.audit(model, model.holdout, list(sensitive))


def targeting_mitigation(tables: dict, column: str) -> dict:
    """fairness.mitigate: the same share of every group of `column`, with its cost (see there)."""
    from smbcore import fairness

    model, _ = _first_targeting_model()
    return fairness.mitigate(model, model.holdout, column)


def forecast(history, horizon, freq, external, future_external, holidays: tuple, factors: tuple) -> pd.DataFrame:
    """forecast.forecast of a history (series_id, date, y) with these holidays and factors (see there)."""
    from smbcore import forecast as fc

    return fc.forecast(history, horizon, freq, external, future_external, list(holidays) or None, factors=list(factors))


def choose_factors(history, horizon, freq, external, holidays: tuple) -> dict:
    """forecast.choose_factors: which outside factors made past forecasts better (see there)."""
    from smbcore import forecast as fc

    return fc.choose_factors(history, horizon, freq, external, list(holidays) or None)


def backtest(history, horizon, freq, external, holidays: tuple, factors: tuple) -> pd.DataFrame:
    """forecast.backtest: how accurate forecasts made this way have been (see there)."""
    from smbcore import forecast as fc

    return fc.backtest(history, horizon, freq, external, list(holidays) or None, factors=list(factors))


def drivers(history, freq, external, holidays: tuple, factors: tuple, money_sign: str | None) -> pd.DataFrame:
    """forecast.drivers in words (title, words), for one series."""
    from smbcore import forecast as fc

    return fc.drivers(history, freq, external, list(holidays) or None, list(factors), money_sign, markdown=True)


# smbcore functions the pages show, by dotted name (registered without importing their modules).
ANALYSE = "smbcore.customers.analyse"
CONSENT = "smbcore.consent.customer_consent"
HELD_OUT_CHECK = "smbcore.recommend.held_out_check"
HELD_OUT_CHURN = "smbcore.customers.held_out_churn"
STOCK_INPUTS = "smbcore.allocate.prepare.stock_inputs"
STOCK_REPLAY = "smbcore.allocate.prepare.stock_replay_inputs"
STAFF_INPUTS = "smbcore.allocate.prepare.staff_inputs"
STAFF_REPLAY = "smbcore.allocate.prepare.staff_replay_inputs"
HEALTH_CHECK = "smbcore.health.check"
_TX = ("transactions",)

# The heavy recipes: a miss on a page runs as a job with progress. Labels are what the owner reads meanwhile.
HEAVY = {
    r.name: r
    for r in (
        recipe_named(ANALYSE, *_TX, label="Learning who buys and who is drifting away"),
        recipe(recommender, *_TX, label="Learning which products go together"),
        recipe(marketing_plan, *_TX, "customers", label="Working out each customer's next best action"),
        recipe(all_recommendations, *_TX, label="Scoring every customer"),
        recipe_named(CONSENT, *_TX, "customers", label="Reading each customer's consent"),
        recipe(targeting_model, *TARGETING_TABLES, every_table=True, label="Learning who responds"),
        recipe(targeting_importance, *TARGETING_TABLES, every_table=True, label="Measuring which inputs matter"),
        recipe_named(HELD_OUT_CHECK, *_TX, label="Checking the recommendations on held-out orders"),
        recipe_named(HELD_OUT_CHURN, *_TX, label="Checking the churn model on held-out customers"),
        recipe_named(STOCK_INPUTS, *_TX, label="Forecasting demand for your top products"),
        recipe_named(STOCK_REPLAY, *_TX, label="Replaying the stock plan on past weeks"),
        recipe_named(STAFF_INPUTS, *_TX, label="Forecasting orders per day"),
        recipe_named(STAFF_REPLAY, *_TX, label="Replaying the rota on past weeks"),
        recipe_named(HEALTH_CHECK, every_table=True, label="Checking your data"),
        recipe(contact_list, *TARGETING_TABLES, every_table=True, label="Scoring everyone for the contact list"),
        recipe(contact_threshold, *TARGETING_TABLES, every_table=True, label="Scoring everyone for the contact list"),
        recipe(targeting_audit, *TARGETING_TABLES, every_table=True, label="Checking the model by group"),
        recipe(targeting_mitigation, *TARGETING_TABLES, every_table=True, label="Working out a fairer list"),
        recipe(forecast, label="Forecasting"),
        recipe(choose_factors, label="Checking which outside factors help"),
        recipe(backtest, label="Checking how accurate this has been"),
        recipe(drivers, label="Finding what drives this forecast"),
    )
}

# The light ones (sums and counts, a second or less): worked out in place on a miss, and by the refresh.
_OVERVIEW = (
    "kpis",
    "sales_over_time",
    "top_products",
    "new_vs_returning",
    "sales_by_country",
    "orders_by_weekday_hour",
    "orders_by_weekday",
    "one_off_orders",
)
_BROWSING = ("visit_kpis", "conversion_by_page_type", "visit_columns", "conversion_by", "leaving_by")
LIGHT = {
    r.name: r
    for r in (
        *(recipe_named(f"smbcore.overview.{name}", *_TX) for name in _OVERVIEW),
        *(recipe_named(f"smbcore.browsing.{name}", "sessions") for name in _BROWSING),
        recipe_named("smbcore.forecast.series.sales_history", *_TX),
        recipe_named("smbcore.requirements.facts", *_TX),
        recipe_named("smbcore.allocate.prepare.product_names", *_TX),
    )
}  # fmt: skip


def defaults(versions: dict[str, str], country: str | None = None, money_sign: str = "£") -> list[results.Request]:
    """The requests the pages make at their default settings on data with these table versions, in the order a
    visitor meets them in the menu (Overview, Customers, Marketing, Forecast, Plan, Fairness); `country`: the rota's holiday country when the owner gave one.
    Each must match the page's call exactly (same arguments), or the page would work it out again."""

    def ask(function, *args, **kwargs) -> results.Request:
        return results.request(function, versions, *args, **kwargs)

    def overview(name: str, *args) -> results.Request:
        return ask(f"smbcore.overview.{name}", *args)

    asks = [ask(HEALTH_CHECK, money_sign)]
    if "transactions" in versions:
        asks += [
            overview("kpis"),
            overview("sales_over_time", "W"),
            overview("top_products", "revenue", 10),
            overview("top_products", "buyers", 10),
            overview("new_vs_returning"),
            overview("sales_by_country"),
            overview("orders_by_weekday_hour"),
            overview("orders_by_weekday"),
        ]
    if "sessions" in versions:
        asks += [ask(f"smbcore.browsing.{name}") for name in _BROWSING[:3]]
        asks += [ask("smbcore.browsing.leaving_by", ["visitor_type", "month"])]
    if "transactions" in versions:  # Customers
        asks += [ask(ANALYSE), ask(recommender), ask(CONSENT), ask(marketing_plan), ask(all_recommendations, 10, False),
                 overview("top_products", "buyers", 200)]  # fmt: skip
    if any(t in versions for t in ("campaigns", "transactions", "sessions")):  # Marketing
        asks += [ask(targeting_model, *NO_CHOICE)]
    if "transactions" in versions:  # Forecast, Plan, then the Fairness page's checks
        asks += [
            overview("one_off_orders"),
            ask("smbcore.forecast.series.sales_history", "revenue", None, "D", include_one_offs=False),
            ask("smbcore.requirements.facts"), ask("smbcore.allocate.prepare.product_names"),
            ask(STOCK_INPUTS, 200, 56, ()), ask(STAFF_INPUTS, 28, country), ask(HELD_OUT_CHECK),
            ask(HELD_OUT_CHURN), ask(STOCK_REPLAY, 200, 56), ask(STAFF_REPLAY, 28, country),
        ]  # fmt: skip
    if any(t in versions for t in ("campaigns", "transactions", "sessions")):
        asks += [ask(targeting_importance, *NO_CHOICE)]
    return asks


def followups(req: results.Request, value, versions: dict[str, str]) -> list[results.Request]:
    """Requests the pages make with settings read from an earlier result: after the first targeting model, the
    Marketing page's refit with the sensitive attributes it found ticked, the contact list, and the Fairness
    page's bias checks on those attributes."""
    if req.name != results.request(targeting_model, versions).name or req.args != NO_CHOICE:
        return []
    model, now, _ = value
    ticked = tuple(c for c in model.sensitive if c in now.columns and c != "customer_id")
    asks = [results.request(targeting_model, versions, ticked, (), False)] if ticked else []
    asks += [results.request(contact_list, versions), results.request(contact_threshold, versions)]
    audited = tuple(c for c in model.sensitive if c in model.holdout)  # the Fairness page's bias checks
    if audited and model.tells:
        asks += [results.request(targeting_audit, versions, audited),
                 results.request(targeting_mitigation, versions, audited[0])]  # fmt: skip
    return asks
