"""The Forecast page on owners' own data: closed days, one-off orders, which table, why a check gives no number,
no foreign holidays and the simple rule when it did better."""

import numpy as np
import pandas as pd

from .test_forecast import WEEK, _owner_file, cafe_orders, with_lines


def open_page(monkeypatch, home, page: str):
    """The app on an owner's workspace at `home`, showing `page`."""
    from streamlit.testing.v1 import AppTest

    from .conftest import ROOT

    monkeypatch.setenv("SMBCORE_HOME", str(home))
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180)
    app.session_state["data_source"] = "own"
    app.run()
    return app.switch_page(page).run()


def page_texts(app) -> str:
    return "\n".join(
        [m.value for m in app.markdown]
        + [c.value for c in app.caption]
        + [i.value for i in app.info]
        + [w.value for w in app.warning]
    )


def test_forecast_page_on_a_cafe_closed_on_sundays_with_one_big_order(monkeypatch, tmp_path):
    """Issue 13 on the page: Sundays closed and forecast as zero, the €75,000 order left out and said so (with
    a box to include it), holidays default to GB only with a sentence saying so, the owner's country is kept."""
    from smbcore.data import Workspace

    home = tmp_path / "home"
    tx = with_lines(cafe_orders(days=160), ("BIG", "2024-05-03 10:00", 1.0, 75_000.0))
    workspace = Workspace(home / "workspace.duckdb")
    workspace.save("transactions", tx, source="cafe.csv")
    workspace.set_setting("currency", "€")
    app = open_page(monkeypatch, home, "pages/forecast.py")
    assert not app.exception and not app.error
    words = page_texts(app)
    assert "Closed on Sundays" in words and "nan" not in words
    assert "One order of €75,000 on 3 May 2024" in words and "left out" in words
    assert "so no public holidays are used" in words and "GB" not in words  # never another country's
    table = app.dataframe[-1].value
    sundays = table["date"].dt.day_of_week == 6
    assert (table.loc[sundays, "yhat"] == 0).all() and table.loc[~sundays, "yhat"].mean() < 80
    app.checkbox(key="fc_one_offs").check().run()
    # Included, as the owner chose: the full forecast then misses more than 'same as last week', which the
    # page says and recommends; with the full forecast kept the one-off lifts it.
    assert "did better than this forecast" in " ".join(w.value for w in app.warning)
    app.toggle(key="fc_simple_rule").set_value(False).run()
    assert app.dataframe[-1].value["yhat"].mean() > 100
    app.text_input(key="fc_country").set_value("DE").run()
    assert not app.exception and workspace.setting("country") == "DE"
    assert "no public holidays are used" not in page_texts(app)


def test_forecast_page_asks_whether_to_use_orders_or_daily_totals(monkeypatch, tmp_path):
    """Issue 13: with both saved, the daily totals were silently ignored. The page asks; the most recently
    saved table is chosen first."""
    from smbcore.data import Workspace

    home = tmp_path / "home"
    workspace = Workspace(home / "workspace.duckdb")
    workspace.save("transactions", cafe_orders(days=90), source="orders.csv")
    totals = pd.DataFrame({"date": pd.date_range("2024-01-01", periods=90, freq="D"), "y": 1000.0})
    totals["y"] += np.tile(WEEK * 10, 13)[:90]
    workspace.save("demand", totals, source="totals.csv")
    app = open_page(monkeypatch, home, "pages/forecast.py")
    assert not app.exception and not app.error
    assert app.radio(key="fc_table").value == "demand"
    assert app.dataframe[-1].value["yhat"].mean() > 900  # the daily totals, not the ~€53 orders
    app.radio(key="fc_table").set_value("transactions").run()
    assert not app.exception and app.dataframe[-1].value["yhat"].mean() < 80


def test_forecast_page_says_why_the_miss_cannot_be_compared_instead_of_nan(monkeypatch, tmp_path):
    """Issue 13: 'the forecast missed nan times as much' when the history before the check never changed."""
    from smbcore.data import Workspace

    home = tmp_path / "home"
    totals = pd.DataFrame({"date": pd.date_range("2024-01-01", periods=70, freq="D"), "y": 20.0})
    Workspace(home / "workspace.duckdb").save("demand", totals, source="totals.csv")
    app = open_page(monkeypatch, home, "pages/forecast.py")
    assert not app.exception and not app.error
    words = page_texts(app)
    assert "nan" not in words and "cannot be said" in words and "never changed" in words


# ---------------------------------------------------------------- owners' corpus files (issue 13, owner's look)


def test_forecast_page_uses_no_foreign_holidays_and_prefers_the_simple_rule_when_it_did_better(tmp_path, monkeypatch):
    from .test_app import start, texts

    home, _ = _owner_file("sumup_sales_report.csv", tmp_path)
    app = start(monkeypatch, home, "own", "pages/forecast.py")
    assert not app.exception and not app.error
    words = texts(app)
    assert app.text_input(key="fc_country").value == ""
    assert "no public holidays are used" in words and "GB" not in words
    warning = " ".join(w.value for w in app.warning)
    assert "simple rule 'same as one season ago' did better" in warning
    assert app.toggle(key="fc_simple_rule").value is True
    assert "Shrinking" not in words and "Open on Wednesdays and Saturdays only" in words
    assert "%.2f" not in words and not any("96.43" in str(d.value) for d in app.dataframe)
