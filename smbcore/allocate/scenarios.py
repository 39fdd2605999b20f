"""What-if scenarios: a demand shock on part of the forecast, and named scenarios kept in the workspace so they
can be compared side by side. A scenario is saved as its policies (StockPolicy, StaffPolicy, BudgetPolicy as
plain dicts) and its headline results; scenarios saved before the policies existed (settings keyed by the
page's own labels) are read and converted."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pandas as pd

from smbcore.allocate.policies import BudgetPolicy, StaffPolicy, StockPolicy
from smbcore.errors import ScenarioError

__all__ = ["with_shock", "save_scenario", "saved_scenarios", "scenarios", "delete_scenario", "SETTING_ROWS"]

_KEY = "plan_scenarios"
_POLICIES = {"stock": StockPolicy, "staff": StaffPolicy, "budget": BudgetPolicy}

# The settings a scenario table shows, one row each: label -> (policy, field, scale from the field to the label's
# unit). The labels are also the keys of scenarios saved before the policies (their values in the label's unit).
SETTING_ROWS = {
    "Service level (%)": ("stock", "service_level", 100),
    "Lead time (days)": ("stock", "lead_time_days", 1),
    "Order every (days)": ("stock", "review_days", 1),
    "Stock demand shock (%)": ("stock", "shock", 1),
    "Orders per person an hour": ("staff", "orders_per_staff_hour", 1),
    "Hourly wage": ("staff", "hourly_wage", 1),
    "Plan staff for": ("staff", "plan_for", None),
    "Marketing budget": ("budget", "total", 1),
}


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


def _policies_from_settings(settings: dict) -> dict:
    """The policies of a scenario saved before them: its labelled settings (see SETTING_ROWS), defaults for the
    rest (those scenarios kept no other setting)."""
    values: dict[str, dict] = {plan: {} for plan in _POLICIES}
    for label, (plan, name, scale) in SETTING_ROWS.items():
        value = settings.get(label)
        if value is not None:
            values[plan][name] = value / scale if scale and scale != 1 else value
    return {plan: cls.from_dict(values[plan]) for plan, cls in _POLICIES.items()}


def _read(workspace) -> list[dict]:
    return json.loads(workspace.setting(_KEY, "[]") or "[]")


def saved_scenarios(workspace) -> list[dict]:
    """Saved scenarios, oldest first: {"name", "policies": {"stock", "staff", "budget": policy objects},
    "results": {label: number}, "saved": 'YYYY-MM-DD HH:MM UTC'}."""
    out = []
    for saved in _read(workspace):
        if "policies" in saved:
            policies = {plan: cls.from_dict(saved["policies"].get(plan)) for plan, cls in _POLICIES.items()}
        else:
            policies = _policies_from_settings(saved.get("settings", {}))
        out.append({"name": saved["name"], "policies": policies, "results": saved["results"], "saved": saved["saved"]})
    return out


def _setting_values(policies: dict) -> dict:
    shown = {}
    for label, (plan, name, scale) in SETTING_ROWS.items():
        value = getattr(policies[plan], name)
        shown[label] = round(value * scale, 6) if scale and scale != 1 else value
    return shown


def scenarios(workspace) -> pd.DataFrame:
    """Saved scenarios, one column each (the SETTING_ROWS settings and the results as rows, then 'saved'), oldest
    first; empty when none."""
    saved = saved_scenarios(workspace)
    if not saved:
        return pd.DataFrame()
    return pd.DataFrame({s["name"]: {**_setting_values(s["policies"]), **s["results"], "saved": s["saved"]}
                         for s in saved})  # fmt: skip


def save_scenario(workspace, name: str, policies: dict, results: dict) -> None:
    """Keep a named scenario (the same name replaces the older one). policies: {"stock": StockPolicy, "staff":
    StaffPolicy, "budget": BudgetPolicy}; results: plain numbers by label, e.g. {"Wage cost": 1234.5}."""
    name = name.strip()
    if not name:
        raise ScenarioError("Give the scenario a name: type one in 'Name these settings', then save.")
    saved = [s for s in _read(workspace) if s["name"] != name]
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    plain = {plan: policies[plan].to_dict() for plan in _POLICIES}
    saved.append({"name": name, "policies": plain, "results": results, "saved": stamp})
    workspace.set_setting(_KEY, json.dumps(saved, default=float))


def delete_scenario(workspace, name: str) -> None:
    saved = [s for s in _read(workspace) if s["name"] != name]
    workspace.set_setting(_KEY, json.dumps(saved))
