"""What-if scenarios: a demand shock on part of the forecast, and named scenarios kept in the workspace so
they can be compared side by side."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pandas as pd

__all__ = ["with_shock", "save_scenario", "scenarios", "delete_scenario"]

_KEY = "plan_scenarios"


def with_shock(forecast: pd.DataFrame, percent: float, months: list[int] | None = None) -> pd.DataFrame:
    """The forecast with `percent` more demand (e.g. +20), on every date or only in the given months (1-12).
    Forecast and bands alike; same columns as given."""
    if not percent:
        return forecast
    rows = forecast["date"].dt.month.isin(months) if months else pd.Series(True, index=forecast.index)
    columns = [c for c in forecast.columns if c.startswith("yhat")]
    out = forecast.copy()
    out.loc[rows, columns] = out.loc[rows, columns] * max(1 + percent / 100, 0)
    return out


def scenarios(workspace) -> pd.DataFrame:
    """Saved scenarios, one column each (settings and results as rows), oldest first; empty when none."""
    saved = json.loads(workspace.setting(_KEY, "[]") or "[]")
    if not saved:
        return pd.DataFrame()
    table = pd.DataFrame({s["name"]: {**s["settings"], **s["results"], "saved": s["saved"]} for s in saved})
    return table


def save_scenario(workspace, name: str, settings: dict, results: dict) -> None:
    """Keep a named scenario (the same name replaces the older one). settings and results: plain numbers or
    text, e.g. {"service level": 0.95} and {"stock to order": 1234.5}."""
    name = name.strip()
    if not name:
        raise ValueError("Give the scenario a name.")
    saved = [s for s in json.loads(workspace.setting(_KEY, "[]") or "[]") if s["name"] != name]
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    saved.append({"name": name, "settings": settings, "results": results, "saved": stamp})
    workspace.set_setting(_KEY, json.dumps(saved, default=float))


def delete_scenario(workspace, name: str) -> None:
    saved = [s for s in json.loads(workspace.setting(_KEY, "[]") or "[]") if s["name"] != name]
    workspace.set_setting(_KEY, json.dumps(saved))
