"""Every series keeps its own calendar: weekly series on different weekdays, a mixture of daily and weekly
series, hourly sales with a daily and a weekly shape, and histories whose dates do not fit what was asked."""

import numpy as np
import pandas as pd
import pytest

from smbcore.forecast import (
    ForecastError,
    backtest,
    closed_days,
    drivers,
    forecast,
    infer_freq,
    on_grid,
    season_length,
    simple_rule,
)

LEVELS = {"north": ("2024-01-01", 100.0), "centre": ("2024-01-03", 200.0), "south": ("2024-01-05", 300.0)}


def weekly_stores(weeks: int = 80) -> pd.DataFrame:
    """Three stores reporting weekly sales on their own weekday: Mondays, Wednesdays and Fridays."""
    rng = np.random.default_rng(3)
    parts = [
        pd.DataFrame({"series_id": sid, "date": pd.date_range(start, periods=weeks, freq="7D"), "y": level})
        for sid, (start, level) in LEVELS.items()
    ]
    history = pd.concat(parts, ignore_index=True)
    return history.assign(y=history["y"] * rng.normal(1, 0.05, len(history)))


def test_weekly_series_on_different_weekdays_are_each_forecast_on_their_own_weekday():
    history = weekly_stores()
    out = forecast(history, 6)
    for sid, (start, level) in LEVELS.items():
        part = out[out["series_id"] == sid]
        last = history.loc[history["series_id"] == sid, "date"].max()
        assert list(part["date"]) == list(pd.date_range(last, periods=7, freq="7D")[1:])
        assert (part["date"].dt.day_of_week == pd.Timestamp(start).day_of_week).all()
        assert part["yhat"].between(0.85 * level, 1.15 * level).all(), (sid, part["yhat"].tolist())
    # the simple rule, the grid a chart draws and the accuracy check use the same calendars
    assert (simple_rule(history, 2).groupby("series_id")["yhat"].min() > 50).all()
    assert (on_grid(history).groupby("series_id").size() == 80).all()
    check = backtest(history, 6)
    assert len(check) == 3 and check["mase"].between(0, 2).all()


def test_a_given_weekly_freq_that_misses_a_series_weekday_fails_naming_the_series():
    history = weekly_stores()
    for call in (lambda: forecast(history, 4, "W-FRI"), lambda: backtest(history, 4, "W-FRI"),
                 lambda: on_grid(history, "W-FRI")):  # fmt: skip
        with pytest.raises(
            ForecastError, match=r"Series 'centre' is dated on Wednesdays.*freq='W-FRI'.*Leave freq out"
        ):
            call()
    # the series on Fridays alone is fine with it
    fridays = history[history["series_id"] == "south"]
    assert (forecast(fridays, 4, "W-FRI")["date"].dt.day_name() == "Friday").all()


def test_weekly_dates_on_mixed_weekdays_fail_instead_of_dropping_weeks():
    history = weekly_stores()
    history = history[history["series_id"] == "centre"].copy()
    history.loc[history.index[10], "date"] -= pd.Timedelta(days=1)  # one week entered on the Tuesday
    with pytest.raises(
        ForecastError, match=r"'centre' looks weekly but is dated on Wednesdays \(79 dates\) and Tuesdays"
    ):
        forecast(history, 4)
    assert len(forecast(history, 14, "D")) == 14  # as days it can be forecast: the caller asked for it


def test_daily_and_weekly_series_in_one_history_keep_their_own_periods():
    days = pd.date_range("2024-01-01", periods=120, freq="D")
    week = np.array([10, 12, 14, 16, 30, 45, 20], dtype=float)
    shop = pd.DataFrame({"series_id": "shop", "date": days, "y": np.tile(week, 18)[:120]})
    thursdays = pd.date_range("2023-06-01", periods=60, freq="W-THU")
    wholesale = pd.DataFrame({"series_id": "wholesale", "date": thursdays, "y": 500.0})
    out = forecast(pd.concat([shop, wholesale]), 3)
    daily = out[out["series_id"] == "shop"]
    weekly = out[out["series_id"] == "wholesale"]
    assert list(daily["date"]) == list(pd.date_range(days[-1], periods=4, freq="D")[1:])
    np.testing.assert_allclose(daily["yhat"], np.tile(week, 18)[120:123], rtol=0.05)
    assert list(weekly["date"]) == list(pd.date_range(thursdays[-1], periods=4, freq="W-THU")[1:])
    np.testing.assert_allclose(weekly["yhat"], 500.0, rtol=0.02)
    assert closed_days(pd.concat([shop, wholesale])) == {"shop": [], "wholesale": []}


HOURLY_SHAPE = np.where(
    (np.arange(24) >= 7) & (np.arange(24) < 19), 5 + 40 * np.exp(-(((np.arange(24) - 12.5) / 3) ** 2)), 0
)
WEEKDAY_SHAPE = np.array([1.0, 1.0, 1.0, 1.2, 1.5, 1.8, 0.0])  # Monday..Sunday: closed on Sundays


def cafe(weeks: int, seed: int = 1) -> pd.DataFrame:
    """Hourly sales of a café open 07:00-19:00, busiest around lunch and on Saturdays, shut on Sundays."""
    hours = pd.date_range("2024-03-04", periods=24 * 7 * weeks, freq="h")
    mean = HOURLY_SHAPE[hours.hour] * WEEKDAY_SHAPE[hours.day_of_week]
    y = np.random.default_rng(seed).poisson(mean).astype(float)
    return pd.DataFrame({"series_id": "cafe", "date": hours, "y": y})


def test_hourly_sales_are_forecast_per_hour_with_their_daily_and_weekly_shape():
    history = cafe(8)
    train, test = history.iloc[:-168], history.iloc[-168:]
    out = forecast(train, 168)  # a week ahead, in hours
    assert list(out["date"]) == list(test["date"])
    hour, day = out["date"].dt.hour, out["date"].dt.day_of_week
    assert (out.loc[(hour < 7) | (hour >= 19), "yhat"] < 0.5).all()  # shut at night
    assert (out.loc[day == 6, "yhat"] < 0.5).all()  # and on Sundays
    by_hour = out.groupby(hour)["yhat"].mean()
    assert by_hour.idxmax() in (12, 13)  # the lunch peak
    assert out.groupby(day)["yhat"].sum().idxmax() == 5  # Saturday the busiest day
    miss = np.abs(out["yhat"].to_numpy() - test["y"].to_numpy()).mean()
    flat = np.abs(train["y"].iloc[-168:].mean() - test["y"].to_numpy()).mean()
    assert miss < 0.3 * flat, (miss, flat)
    words = drivers(train).set_index("driver").loc["season", "words"]
    assert "Saturdays 12:00" in words or "Saturdays 13:00" in words


def test_a_short_hourly_history_gets_the_hour_of_the_day_as_its_season():
    assert infer_freq(cafe(1)["date"]) == "h"
    assert season_length("h", 24 * 10) == 24 and season_length("h", 24 * 14) == 168
    history = cafe(2).iloc[24 * 4 : 24 * 13]  # nine days, Friday 8 to Saturday 16 March
    out = forecast(history, 24)
    assert out["date"].iloc[0] == pd.Timestamp("2024-03-17 00:00") and len(out) == 24
    by_hour = out.set_index(out["date"].dt.hour)["yhat"]
    assert (by_hour[by_hour.index < 7] < 0.5).all() and by_hour.idxmax() in (11, 12, 13, 14)


def test_steps_a_forecast_cannot_use_fail_with_what_to_do():
    quarter_hours = pd.DataFrame(
        {"series_id": "till", "date": pd.date_range("2024-01-01", periods=400, freq="15min"), "y": 1.0}
    )
    with pytest.raises(ForecastError, match=r"'till' is dated every 15 minutes.*per hour or per day"):
        forecast(quarter_hours, 4)
    assert len(forecast(quarter_hours, 4, "h")) == 4  # added up per hour when asked
    month_ends = pd.DataFrame({"series_id": "s", "date": pd.date_range("2022-01-31", periods=24, freq="ME"), "y": 5.0})
    with pytest.raises(ForecastError, match="last day of each month: date each month by its first day"):
        forecast(month_ends, 3)
    with pytest.raises(ForecastError, match="freq='2D' cannot be forecast"):
        forecast(weekly_stores(), 3, "2D")


def test_hourly_totals_with_rows_only_for_hours_that_sold_are_hourly():
    # Found in review: rows only for hours with a sale (here 1 hour in 7) were refused as "every 2 hours".
    hours = pd.date_range("2024-03-04", periods=24 * 7 * 6, freq="h")
    sold = hours[::7]
    history = pd.DataFrame({"series_id": "kiosk", "date": sold, "y": 3.0})
    out = forecast(history, 24)
    assert len(out) == 24 and (out["date"].diff().dropna() == pd.Timedelta(hours=1)).all()
