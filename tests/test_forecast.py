"""Forecasts on synthetic series of known structure, and histories that are hard to forecast."""

import numpy as np
import pandas as pd
import pytest

from smbcore.forecast import (
    ForecastError,
    backtest,
    choose_factors,
    drivers,
    forecast,
    infer_freq,
    with_events,
    with_lift,
)


def daily(values, start="2024-01-01", sid="shop") -> pd.DataFrame:
    dates = pd.date_range(start, periods=len(values), freq="D")
    return pd.DataFrame({"series_id": sid, "date": dates, "y": np.asarray(values, dtype=float)})


WEEK = np.array([10, 12, 14, 16, 30, 45, 20], dtype=float)  # Monday..Sunday


def test_pure_weekly_season_is_recovered():
    history = daily(np.tile(WEEK, 16))  # starts on a Monday
    out = forecast(history, 14)
    assert out["date"].iloc[0] == pd.Timestamp("2024-04-22")
    np.testing.assert_allclose(out["yhat"].to_numpy(), np.tile(WEEK, 2), rtol=0.02)


def test_a_factor_moves_the_forecast_by_its_coefficient():
    rng = np.random.default_rng(0)
    n = 140
    x = rng.normal(0, 1, n + 14)
    y = 100 + 3.0 * x[:n] + rng.normal(0, 0.5, n)
    history = daily(y)
    dates = pd.date_range("2024-01-01", periods=n + 14, freq="D")
    external = pd.DataFrame({"date": dates[:n], "x": x[:n]})
    base = pd.DataFrame({"date": dates[n:], "x": 0.0})
    plus = base.assign(x=1.0)
    low = forecast(history, 14, external=external, future_external=base)["yhat"]
    high = forecast(history, 14, external=external, future_external=plus)["yhat"]
    np.testing.assert_allclose((high - low).to_numpy(), 3.0, atol=0.3)


def test_a_holiday_spike_is_predicted_next_year():
    dates = pd.date_range("2022-01-03", "2024-06-30", freq="W-MON")
    y = pd.Series(100.0, index=dates)
    spikes = [pd.Timestamp("2022-12-26"), pd.Timestamp("2023-12-25")]
    y[y.index.isin(spikes)] = 300.0
    history = pd.DataFrame({"series_id": "s", "date": dates, "y": y.to_numpy()})
    holidays = [pd.Timestamp("2022-12-26"), pd.Timestamp("2023-12-25"), pd.Timestamp("2024-12-25")]
    out = forecast(history, 30, holidays=holidays).set_index("date")["yhat"]
    assert out[pd.Timestamp("2024-12-23")] > 250  # the week holding 25 Dec 2024
    assert out.drop(pd.Timestamp("2024-12-23")).max() < 140


def test_intervals_widen_with_the_horizon_and_hold_the_forecast():
    rng = np.random.default_rng(1)
    history = daily(50 + np.cumsum(rng.normal(0, 2, 200)) + np.tile(WEEK, 29)[:200])
    out = forecast(history, 28)
    width80 = (out["yhat_hi_80"] - out["yhat_lo_80"]).to_numpy()
    width95 = (out["yhat_hi_95"] - out["yhat_lo_95"]).to_numpy()
    assert np.all(np.diff(width80) >= -1e-9) and width80[-1] > width80[0]
    assert np.all(width95 >= width80 - 1e-9)
    assert (out["yhat_lo_80"] <= out["yhat"]).all() and (out["yhat"] <= out["yhat_hi_80"]).all()


def test_many_series_and_missing_future_factor_fallback():
    a, b = daily(np.tile(WEEK, 8), sid="a"), daily(np.tile(WEEK * 2, 8), sid="b")
    temps = pd.DataFrame({"date": pd.date_range("2024-01-01", periods=56, freq="D"), "temperature": 10.0})
    out = forecast(pd.concat([a, b]), 7, external=temps, factors=["temperature"])
    assert sorted(out["series_id"].unique()) == ["a", "b"]
    assert (out["fallback"] == "temperature: seasonal average").all()
    assert out.groupby("series_id")["yhat"].sum()["b"] == pytest.approx(
        2 * out.groupby("series_id")["yhat"].sum()["a"], rel=0.05
    )


def test_slow_movers_use_an_intermittent_method_and_never_go_negative():
    y = np.zeros(120)
    y[::10] = 5.0  # a sale of 5 every tenth day
    out = forecast(daily(y), 14)
    # About 0.5 a day on average; TSB lowers it a little after the nine quiet days that end the history.
    assert out["yhat"].nunique() == 1 and 0.2 < out["yhat"].iloc[0] < 0.6
    assert (out[["yhat", "yhat_lo_80", "yhat_lo_95"]] >= 0).all().all()


def test_bad_histories():
    with pytest.raises(ForecastError, match="at least two"):
        forecast(daily([5.0]), 7)
    with pytest.raises(ForecastError, match="'y' column"):
        forecast(daily([1, 2, 3]).rename(columns={"y": "sales"}), 7)
    zeros = forecast(daily(np.zeros(60)), 7)
    assert (zeros["yhat"] == 0).all()
    gaps = daily(np.tile(WEEK, 8)).drop(index=[10, 11, 12])  # three missing days count as no sales
    assert len(forecast(gaps, 7)) == 7
    doubled = pd.concat([daily(np.tile(WEEK, 8)), daily(np.tile(WEEK, 8))])  # duplicated dates add up
    np.testing.assert_allclose(forecast(doubled, 7)["yhat"].to_numpy(), 2 * WEEK, rtol=0.05)
    negative = daily(np.r_[np.tile(WEEK, 8), [-5.0]])  # a refund-heavy day
    assert (forecast(negative, 7)["yhat"] >= 0).all()
    with pytest.raises(ForecastError, match="horizon"):
        forecast(daily(np.tile(WEEK, 8)), 0)


def test_backtest_scores_a_seasonal_series_well():
    rng = np.random.default_rng(2)
    history = daily(np.tile(WEEK, 30) * rng.normal(1, 0.05, 210))
    result = backtest(history, 14)
    assert result["mase"].iloc[0] < 1.0  # better than 'same as last week'
    assert 0 <= result["coverage_80"].iloc[0] <= 1


def test_frequency_is_inferred():
    assert infer_freq(pd.Series(pd.date_range("2024-01-05", periods=10, freq="W-FRI"))) == "W-FRI"
    assert infer_freq(pd.Series(pd.date_range("2024-01-01", periods=10, freq="D"))) == "D"


def test_backtest_on_a_too_short_history_says_why():
    with pytest.raises(ForecastError, match="too little history"):
        backtest(daily([3.0, 4.0, 5.0, 6.0]), 28)


def factor_history(seed: int = 0, n: int = 182):
    """A daily shop whose sales rise 3 per degree of temperature, plus a factor that has nothing to do with it."""
    rng = np.random.default_rng(seed)
    dates = pd.date_range("2024-01-01", periods=n, freq="D")
    temperature = 15 + 8 * np.sin(np.arange(n) / 9) + rng.normal(0, 2, n)
    noise = rng.normal(0, 1, n)
    y = np.tile(WEEK * 5, n // 7 + 1)[:n] + 3.0 * temperature + rng.normal(0, 2, n)
    history = pd.DataFrame({"series_id": "shop", "date": dates, "y": y})
    return history, pd.DataFrame({"date": dates, "temperature": temperature, "lottery": noise})


def test_only_factors_that_improved_past_forecasts_are_kept():
    history, external = factor_history()
    choice = choose_factors(history, 14, external=external)
    assert choice["kept"] == ["temperature"]
    assert choice["error"]["temperature"] < choice["error"]["none"] <= choice["error"]["lottery"] * 1.01


def test_drivers_say_what_a_factor_and_the_season_do_in_words():
    history, external = factor_history()
    table = drivers(history, external=external, factors=["temperature"]).set_index("driver")
    average = history["y"].mean()
    step = table.loc["temperature", "step"]
    assert step == 5  # a round step near the factor's spread (about 6 degrees)
    assert table.loc["temperature", "effect"] == pytest.approx(3.0 * step, rel=0.1)
    assert table.loc["temperature", "percent"] == pytest.approx(3.0 * step / average * 100, rel=0.1)
    assert table.loc["temperature", "words"].startswith("Each +5 in temperature adds about")
    assert "Busiest: Saturdays" in table.loc["season", "words"]  # WEEK peaks on the 6th day; 2024-01-01 is a Monday
    assert table.loc["trend", "words"].startswith("Flat")


def test_own_events_are_learned_from_the_past_and_applied_to_planned_ones():
    y = np.tile(WEEK, 20)
    dates = pd.date_range("2024-01-01", periods=len(y) + 14, freq="D")
    events = list(dates[10:140:15])  # a promotion every 15 days, adding 40 sales
    y[10:140:15] += 40
    planned = dates[len(y) + 4]
    history = daily(y)
    external, future = with_events(None, None, dates[: len(y)], dates[len(y) :], [*events, planned], "D")
    assert external["your_events"].sum() == len(events) and future["your_events"].sum() == 1
    out = forecast(history, 14, external=external, future_external=future).set_index("date")["yhat"]
    assert out[planned] - np.tile(WEEK, 3)[4] == pytest.approx(40, abs=6)
    assert np.abs(out.drop(planned).to_numpy() - np.delete(np.tile(WEEK, 2), 4)).max() < 6
    # With no event inside the history there is nothing to learn from: the tables come back unchanged.
    assert with_events(None, None, dates[: len(y)], dates[len(y) :], [planned], "D") == (None, None)


def test_a_stated_lift_raises_forecast_and_bands_on_that_date_only():
    out = forecast(daily(np.tile(WEEK, 10)), 7)
    day = out["date"].iloc[2]
    lifted = with_lift(out, [day], 25)
    ratio = lifted["yhat_hi_80"] / out["yhat_hi_80"]
    assert ratio.iloc[2] == pytest.approx(1.25) and (ratio.drop(2) == 1).all()


def test_a_closed_weekday_is_forecast_as_closed_even_as_the_shop_grows():
    week = np.array([10, 12, 14, 16, 30, 0, 20], dtype=float)  # closed on Saturdays
    growth = np.repeat(np.linspace(1, 2, 20), 7)
    out = forecast(daily(np.tile(week, 20) * growth), 14)
    saturdays = out["date"].dt.day_name() == "Saturday"
    assert (out.loc[saturdays, ["yhat", "yhat_lo_80", "yhat_hi_95"]] == 0).all().all()
    assert (out.loc[~saturdays, "yhat"] > 15).all()
