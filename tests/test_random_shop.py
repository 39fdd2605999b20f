"""A Hypothesis 'random shop': generated owners' files (length, gaps, closed days, one-off bulk orders, missing
optional columns, date-only files, consent answers, tiny and larger shops) go through intake and every model the
pages call, and keep the issue-13 invariants: nothing but a plain SmbcoreError, no nan or negative zero in a
shown figure, closed weekdays forecast as zero, no hour claim without times, no refusal on an email list."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from smbcore import allocate, campaigns, customers, overview
from smbcore import forecast as fc
from smbcore.consent import customer_consent
from smbcore.data import read_table
from smbcore.errors import SmbcoreError
from smbcore.synthetic import generate_transactions

from .owner_checks import bad_text


@st.composite
def random_shop(draw) -> dict:
    """A shop's export as text, with what it was made to be (closed weekdays, times or not, refusals)."""
    days = draw(st.integers(21, 420))
    lines = draw(st.integers(40, 2500))
    closed = tuple(sorted(draw(st.sets(st.integers(0, 6), max_size=2))))
    tx = generate_transactions(
        n_lines=lines,
        n_customers=draw(st.integers(1, 150)),
        n_products=draw(st.integers(1, 25)),
        start="2024-01-01",
        days=days,
        closed_weekdays=closed,
        return_share=draw(st.sampled_from([0.0, 0.02])),
        seed=draw(st.integers(0, 10_000)),
    )
    if draw(st.booleans()) and days > 60:  # a closed fortnight
        gap_start = tx["timestamp"].min() + pd.Timedelta(days=days // 3)
        tx = tx[(tx["timestamp"] < gap_start) | (tx["timestamp"] >= gap_start + pd.Timedelta(days=14))]
    if draw(st.booleans()):  # one one-off bulk order, 80 times a typical line
        bulk = tx.iloc[[len(tx) // 2]].copy()
        bulk["order_id"], bulk["quantity"] = "BULK1", float(tx["quantity"].abs().median() * 80 * 4)
        tx = pd.concat([tx, bulk])
    date_only = draw(st.booleans())
    stamps = tx["timestamp"].dt.strftime("%d.%m.%Y" if date_only else "%d.%m.%Y %H:%M")
    out = pd.DataFrame(
        {
            "Beleg": tx["order_id"],
            "Datum": stamps,
            "Artikelnummer": tx["product_id"],
            "Artikel": tx["product_name"],
            "Menge": tx["quantity"].astype(int),
            "Preis": tx["unit_price"].map(lambda v: f"{v:.2f}".replace(".", ",")),
        }
    )
    if draw(st.booleans()):
        out["Kundennummer"] = tx["customer_id"].to_numpy()
        if draw(st.booleans()):  # a consent column: each customer answers yes, no or nothing, on every line
            ids = sorted(set(tx["customer_id"]))
            answers = dict(
                zip(
                    ids,
                    draw(st.lists(st.sampled_from(["ja", "nein", ""]), min_size=len(ids), max_size=len(ids))),
                    strict=True,
                )
            )
            out["Newsletter"] = tx["customer_id"].map(answers).to_numpy()
    if draw(st.booleans()):
        out = out.drop(columns="Artikel")
    refused = set()
    if "Newsletter" in out:
        refused = set(out.loc[out["Newsletter"] == "nein", "Kundennummer"])
    return {
        "csv": out.to_csv(index=False, sep=";").encode("cp1252"),
        "closed": closed,
        "date_only": date_only,
        "refused": refused,
    }


def _figures(values) -> str:
    return " ".join(str(v) for v in values)


@pytest.mark.slow
@settings(max_examples=12, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(shop=random_shop())
def test_a_random_shop_keeps_every_invariant(shop):
    result = read_table(shop["csv"], "transactions", date_order="day_first", name="kasse.csv")
    assert result.ok, result.report[["level", "message"]].to_dict("records")
    tx = result.frame

    kpis = overview.kpis(tx)
    figures = {k: v for k, v in kpis.items() if not k.endswith("_date") and v is not None}
    assert all(math.isfinite(v) for v in figures.values()), kpis
    assert not bad_text(_figures(f"{v:.1%}" for v in figures.values()), "kpis")

    closed = set(
        overview.closed_weekdays(
            tx["timestamp"].dt.normalize().drop_duplicates(), tx["timestamp"].min(), tx["timestamp"].max()
        )
    )
    try:
        history = fc.series_from_transactions(tx, "revenue", None, "D", include_one_offs=False)
        ahead = fc.forecast(history, 28, "D")
    except SmbcoreError:
        ahead = None
    if ahead is not None:
        values = ahead[["yhat", "yhat_lo_80", "yhat_hi_80"]].to_numpy()
        assert np.isfinite(values).all() and (values >= 0).all()
        on_closed = ahead[ahead["date"].dt.day_of_week.isin(closed)]
        assert (on_closed["yhat"] == 0).all(), "a closed weekday is forecast above zero"
        assert closed <= set(shop["closed"]), (closed, shop["closed"])  # never calls an open weekday closed

    try:
        inputs = allocate.staff_inputs(tx, 28)
        rota = allocate.staffing_plan(inputs.forecast, inputs.profile, allocate.StaffPolicy(10.0, 1, (9, 17), 4, 12.0))
    except SmbcoreError:
        rota = None
    if rota is not None and len(rota):
        assert np.isfinite(rota["cost"].astype(float)).all()
        if shop["date_only"]:
            assert not rota["shift"].str.startswith("00:").any(), rota["shift"].unique()

    if "customer_id" not in tx:
        return
    try:
        plan = customers.next_best_actions(tx)
    except SmbcoreError:
        return
    answers = customer_consent(tx)
    assert not (set(plan["customer_id"]) & shop["refused"]), "a customer who said no is on the email plan"
    assert set(answers.loc[answers["marketing_consent"].eq(False).fillna(False), "customer_id"]) == shop["refused"]
    if shop["date_only"]:
        assert plan["send_hour"].isna().all(), "a send hour from a file without times"
    if len(plan):
        assigned = campaigns.hold_out_control(plan, 0.1, seed=1)
        sent = campaigns.export_list(assigned, "csv")
        assert not (set(sent["customer_id"]) & shop["refused"])
