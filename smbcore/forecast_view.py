"""The Forecast page's first view, worked out by a refresh: the requests the page makes at its default settings,
built step by step from the results stored before them (smbcore.refresh asks `followups` after each result).

The defaults (pages/_forecast_inputs.py): net revenue of the whole shop per day, 28 days ahead, one-off bulk
orders left out, the public holidays of the shop's country (smbcore.forecast.shop_country), the factors that
made past forecasts better. Only when the data has no outside-factors table and the owner keeps no events of
their own: those depend on what the owner ticks on the page, which then works its forecast out as a job.

Chain: sales history -> which factors help (when there are holidays) -> accuracy check and drivers -> the
forecast itself (unless the check says the simple rule does better, which the page then shows instead).
"""

from __future__ import annotations

import pandas as pd

from smbcore import results

__all__ = ["HISTORY", "HORIZON", "followups"]

HORIZON, FREQ, MEASURE = 28, "D", "revenue"  # the page's first view: its horizon slider starts here
HISTORY = ("smbcore.forecast.series.sales_history", (MEASURE, None, FREQ), (("include_one_offs", False),))
_NAMES = {"choose_factors": "smbcore.recipes.choose_factors", "backtest": "smbcore.recipes.backtest",
          "forecast": "smbcore.recipes.forecast", "drivers": "smbcore.recipes.drivers"}  # fmt: skip


def _holidays(path: str, versions: dict, history: pd.DataFrame, settings: dict) -> tuple:
    """The page's holiday calendar: the shop's country (the owner's answer, a sample's own country, the orders'
    country or currency) over the history and a year ahead."""
    from smbcore import forecast as fc

    transactions = results.load_table(path, "transactions", versions["transactions"])
    found = fc.shop_country(transactions, {"country": settings.get("country"), "currency": settings["money_sign"]})
    return fc.history_holidays(found or "", history["date"])


def followups(path: str, req: results.Request, value, versions: dict, settings: dict) -> list[results.Request]:
    """The next requests of the chain after `req` gave `value` (a result, or the data problem it met)."""
    from smbcore import forecast as fc

    def ask(step: str, *args) -> results.Request:
        return results.request(_NAMES[step], versions, *args)

    if (req.name, req.args, req.kwargs) == HISTORY:
        if "external" in versions or settings.get("events") or not isinstance(value, pd.DataFrame) or value.empty:
            return []
        holidays = _holidays(path, versions, value, settings)
        if holidays:
            return [ask("choose_factors", value, HORIZON, FREQ, None, holidays)]
        return _checked(ask, value, holidays, (), settings["money_sign"])
    if req.name == _NAMES["choose_factors"] and isinstance(value, dict):
        history, _, _, _, holidays = req.args
        return _checked(ask, history, holidays, tuple(value["kept"]), settings["money_sign"])
    if req.name == _NAMES["backtest"]:
        history, _, _, _, holidays, used = req.args
        if isinstance(value, pd.DataFrame) and fc.simple_rule_is_better(value) and not fc.changeable(list(used)):
            return []  # the page shows the simple rule's forecast (a sum, worked out in place)
        return [ask("forecast", history, HORIZON, FREQ, None, None, holidays, used)]
    return []


def _checked(ask, history: pd.DataFrame, holidays: tuple, used: tuple, sign: str) -> list[results.Request]:
    """The accuracy check and the drivers in words (in money: the page's history is net revenue)."""
    return [ask("backtest", history, HORIZON, FREQ, None, holidays, used),
            ask("drivers", history, FREQ, None, holidays, used, sign)]  # fmt: skip
