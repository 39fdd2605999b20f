"""Outside factors and the owner's events: which are kept and why, their effects in words, what-if values."""

import numpy as np
import pandas as pd
import pytest

from smbcore.forecast import (
    choose_factors,
    drivers,
    factor_choice_words,
    forecast,
    future_after_what_if,
    future_values,
    with_events,
    with_lift,
)

from .test_forecast import WEEK, daily


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


def test_each_factor_gets_its_reason_and_the_caption_words_them():
    """A copy of the useful factor helps alone but adds nothing once the factor is in ('overlap'); the lottery
    never helps ('no_help'). The caption is built from those reasons, with the factors' names in words."""
    history, external = factor_history()
    external = external.rename(columns={"temperature": "feels_like_c"})
    external["feels_like_copy"] = external["feels_like_c"] + np.random.default_rng(5).normal(0, 0.3, len(external))
    choice = choose_factors(history, 14, external=external)
    assert choice["kept"] == ["feels_like_c"]
    assert choice["reason"] == {"feels_like_c": "helps", "lottery": "no_help", "feels_like_copy": "overlap"}
    error = choice["error"]
    words = factor_choice_words(["feels_like_c", "lottery", "feels_like_copy"], choice["kept"], choice)
    assert words == (
        "Uses: feels like (°C). Left out, as they did not make this shop's past forecasts more accurate: lottery "
        f"(typical past miss {error['lottery']:.2f} with it, {error['none']:.2f} without). Left out, as they "
        "helped alone but added nothing once the used ones were in: feels like copy (typical past miss "
        f"{error['feels_like_copy']:.2f} with it, {error['none']:.2f} without)."
    )
    short = choose_factors(history.tail(20), 14, external=external)  # too short to check any factor
    assert set(short["reason"].values()) == {"unchecked"} and short["kept"] == []
    assert factor_choice_words(["lottery"], [], short) == "Uses: no outside factors. Left out: lottery."


def test_drivers_word_a_factor_by_its_label_with_its_amount_in_money():
    history, external = factor_history()
    external = external.rename(columns={"temperature": "feels_like_c"})
    table = drivers(history, external=external, factors=["feels_like_c"], currency="£").set_index("driver")
    effect = table.loc["feels_like_c", "effect"]
    assert table.loc["feels_like_c", "title"] == "Feels like (°C)"
    assert table.loc["feels_like_c", "words"].startswith("Each +5 in feels like (°C) adds about")
    assert table.loc["feels_like_c", "words"].endswith(f"sales. (about £{effect:,.0f})")
    assert table.loc["season", "title"] == "Season" and "£" not in table.loc["season", "words"]


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


def test_a_what_if_forecasts_with_the_changed_values_only_when_the_owner_changed_one():
    history, external = factor_history()
    future = pd.date_range(history["date"].max(), periods=8)[1:]
    assumed = future_values(external, ["temperature"], future, "D")
    assert list(assumed.columns) == ["date", "temperature"] and assumed["temperature"].notna().all()
    events = pd.DataFrame({"date": future, "your_events": 0.0})
    assert future_after_what_if(assumed, assumed.copy(), events) is events  # unchanged: the forecast fills them
    warmer = assumed.assign(temperature=assumed["temperature"] + 5)
    used = future_after_what_if(assumed, warmer, events)
    assert list(used.columns) == ["date", "temperature", "your_events"] and used["temperature"].equals(
        warmer["temperature"]
    )
    base = forecast(history, 7, external=external, factors=["temperature"])
    assert (forecast(history, 7, external=external, future_external=used, factors=["temperature"])["yhat"]
            > base["yhat"]).all()  # fmt: skip
