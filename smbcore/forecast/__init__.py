"""Sales and demand forecasts per series: season, trend, holidays and outside factors, with intervals that are
as wide as this shop's own past forecast errors.

The models start from the Theta method (Assimakopoulos & Nikolopoulos, 2000; the M3 winner): remove the
season (classical decomposition), forecast the adjusted series with simple exponential smoothing plus half the
long-run trend, put the season back. Daily series get the median of Theta, Holt's damped trend and last week;
weekly series the mean of Theta and the last two years at the current level (see `models.choose_method`). Outside factors and holidays are then fitted on what the season and level
do not explain (ridge regression), so each factor gets an effect in the series' own units. Slow movers (many
zero periods) get TSB, an intermittent-demand method. Intervals are conformal: the series' own rolling-origin
misses at each step ahead; the spread of demand summed over several days comes from the same origins. No forecast goes below zero.

One module per job: `frequency` (each series' own period and weekday: hours, days, weeks, months),
`series` (histories ready to forecast), `calendar` (holidays, the shop's country),
`models` (Theta, TSB, last season), `intervals`, `factors` (outside factors, events, what-if), `predict`
(`forecast`, `simple_rule`), `losses` (`mase`), `evaluate` (`backtest`) and `explain` (drivers and the words).
Everything public is importable from `smbcore.forecast`.
"""

from smbcore.forecast.calendar import (
    HOLIDAY,
    country_code,
    country_name,
    history_holidays,
    holiday_calendar,
    holiday_dates,
    period_flags,
    shop_country,
)
from smbcore.forecast.evaluate import backtest, coverage_by_horizon, horizon_buckets, simple_rule_is_better
from smbcore.forecast.explain import TREND_DAYS, closed_days_words, drivers, factor_choice_words, factor_label
from smbcore.forecast.factors import (
    BETTER_BY,
    OWN_EVENTS,
    changeable,
    choose_factors,
    factor_steps,
    fill_future_factors,
    future_after_what_if,
    future_values,
    round_step,
    with_events,
    with_lift,
)
from smbcore.forecast.intervals import cumulative_spread
from smbcore.forecast.losses import mase, seasonal_scale
from smbcore.forecast.predict import forecast, simple_rule
from smbcore.forecast.series import (
    ForecastError,
    ShortHistoryError,
    closed_days,
    infer_freq,
    on_grid,
    sales_history,
    season_length,
    series_freqs,
    series_from_demand,
    series_from_transactions,
)

__all__ = [
    "country_name",
    "forecast",
    "simple_rule",
    "backtest",
    "simple_rule_is_better",
    "horizon_buckets",
    "coverage_by_horizon",
    "cumulative_spread",
    "mase",
    "seasonal_scale",
    "season_length",
    "infer_freq",
    "series_freqs",
    "series_from_transactions",
    "series_from_demand",
    "sales_history",
    "holiday_dates",
    "history_holidays",
    "holiday_calendar",
    "country_code",
    "shop_country",
    "closed_days",
    "on_grid",
    "fill_future_factors",
    "future_values",
    "future_after_what_if",
    "factor_steps",
    "changeable",
    "choose_factors",
    "period_flags",
    "with_events",
    "with_lift",
    "round_step",
    "drivers",
    "factor_label",
    "factor_choice_words",
    "closed_days_words",
    "HOLIDAY",
    "OWN_EVENTS",
    "BETTER_BY",
    "TREND_DAYS",
    "ForecastError",
    "ShortHistoryError",
]
