"""The owner's plan settings as values: one frozen object per plan (stock, staff, marketing budget), checked once
when made, passed whole to the allocate functions and saved whole with a scenario (`to_dict` / `from_dict`)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields

from smbcore.errors import PolicyError

__all__ = ["StockPolicy", "StaffPolicy", "BudgetPolicy", "Channel", "DEFAULT_CHANNELS", "PLAN_FOR", "OPEN_HOURS"]

PLAN_FOR = {"forecast": "yhat", "busy day (80% upper)": "yhat_hi_80", "very busy day (95% upper)": "yhat_hi_95"}
OPEN_HOURS = (9, 17)  # opening hours assumed when the owner has not said and the file has no times
MAX_WEEKS = 4  # an order is at most this many weeks of forecast demand unless the owner says otherwise


def _check(ok: bool, message: str) -> None:
    if not ok:
        raise PolicyError(message)


def _months(months) -> tuple[int, ...]:
    out = tuple(sorted({int(m) for m in months or ()}))
    _check(all(1 <= m <= 12 for m in out), f"Months must be 1 (January) to 12 (December); got {list(out)}.")
    return out


class _Policy:
    """Shared by the policies: plain-dict form for saving, and back (unknown keys from older saves are ignored)."""

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, values: dict):
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in (values or {}).items() if k in names})


@dataclass(frozen=True)
class StockPolicy(_Policy):
    """How stock is planned. service_level: chance of not running out in a replenishment cycle (0.5-0.9999).
    lead_time_days: days from order to delivery. review_days: days between orders. holding_cost_rate: yearly
    cost of keeping a unit, as a share of its cost. order_cost: money per order placed. cost_share: a unit's cost
    as a share of its price. budget: most money for this order (None: no limit). max_weeks: an order is at most
    this many weeks of forecast sales (None: no cap). shock: percent more demand than forecast (+20), on every
    date or only in `shock_months` (1-12)."""

    service_level: float = 0.95
    lead_time_days: float = 7
    review_days: float = 7
    holding_cost_rate: float = 0.25
    order_cost: float = 20.0
    cost_share: float = 0.6
    budget: float | None = None
    max_weeks: float | None = MAX_WEEKS
    shock: float = 0.0
    shock_months: tuple[int, ...] = ()

    def __post_init__(self) -> None:
        _check(
            0 < self.service_level < 1, f"The service level must be between 0% and 100%; got {self.service_level:.1%}."
        )
        _check(self.lead_time_days >= 0, f"The lead time must be 0 days or more; got {self.lead_time_days}.")
        _check(self.review_days > 0, f"Orders must be placed every 1 day or more; got every {self.review_days}.")
        _check(self.holding_cost_rate >= 0, f"The holding cost must be 0% or more; got {self.holding_cost_rate:.0%}.")
        _check(self.order_cost >= 0, f"The cost of placing an order must be 0 or more; got {self.order_cost}.")
        _check(0 <= self.cost_share <= 1, f"Your cost must be 0% to 100% of the price; got {self.cost_share:.0%}.")
        _check(
            self.budget is None or self.budget >= 0, f"The money for this order cannot be below 0; got {self.budget}."
        )
        _check(
            self.max_weeks is None or self.max_weeks > 0,
            f"An order must be over 0 weeks of sales; got {self.max_weeks}.",
        )
        _check(self.shock > -100, f"A demand shock must be above -100%; got {self.shock}%.")
        object.__setattr__(self, "shock_months", _months(self.shock_months))


@dataclass(frozen=True)
class StaffPolicy(_Policy):
    """How the rota is planned. orders_per_staff_hour: orders one person handles an hour (above 0). min_staff:
    fewest people on duty in an open hour. open_hours: (opening hour, closing hour), 0-24, closing after opening.
    shift_hours: length of a shift. hourly_wage: money per staff hour. plan_for: a key of PLAN_FOR (the forecast
    or a busier day). shock: percent more orders than forecast, on every date or only in `shock_months`."""

    orders_per_staff_hour: float = 10.0
    min_staff: int = 1
    open_hours: tuple[int, int] = OPEN_HOURS
    shift_hours: int = 4
    hourly_wage: float = 12.0
    plan_for: str = "forecast"
    shock: float = 0.0
    shock_months: tuple[int, ...] = ()

    def __post_init__(self) -> None:
        _check(self.orders_per_staff_hour > 0, "Orders one person handles per hour must be above 0.")
        opening, closing = (int(h) for h in self.open_hours)
        _check(0 <= opening <= 24 and 0 <= closing <= 24, f"Opening hours must be 0 to 24; got {opening} to {closing}.")
        _check(closing > opening, f"Closing hour ({closing}) must be after opening hour ({opening}).")
        _check(self.shift_hours >= 1, f"A shift must be 1 hour or longer; got {self.shift_hours}.")
        _check(self.min_staff >= 0, f"The fewest people on duty cannot be below 0; got {self.min_staff}.")
        _check(self.hourly_wage >= 0, f"The hourly wage cannot be below 0; got {self.hourly_wage}.")
        _check(self.plan_for in PLAN_FOR, f"Plan staff for one of {', '.join(PLAN_FOR)}; got '{self.plan_for}'.")
        _check(self.shock > -100, f"A demand shock must be above -100%; got {self.shock}%.")
        object.__setattr__(self, "open_hours", (opening, closing))
        object.__setattr__(self, "shift_hours", int(self.shift_hours))
        object.__setattr__(self, "shock_months", _months(self.shock_months))


@dataclass(frozen=True)
class Channel:
    """A marketing channel: its name, cost per contact (money, above 0) and response compared with email (1 = as
    good as email)."""

    channel: str
    cost_per_contact: float
    response_factor: float = 1.0

    def __post_init__(self) -> None:
        _check(self.cost_per_contact > 0, f"Channel '{self.channel}': the cost per contact must be above 0.")
        _check(self.response_factor >= 0, f"Channel '{self.channel}': the response cannot be below 0.")


# Typical costs; direct mail is dearer per contact but answered more often than email.
DEFAULT_CHANNELS = (Channel("Email", 0.05, 1.0), Channel("Postcard", 0.80, 3.0))


@dataclass(frozen=True)
class BudgetPolicy(_Policy):
    """How the marketing budget is split. total: money to split (0 or more). uplift: extra buyers per contacted
    customer in the most responsive segment (0.02 = 2 in 100). touches: most contacts per customer. channels:
    the channels to use (at least one)."""

    total: float = 1_000.0
    uplift: float = 0.02
    touches: int = 3
    channels: tuple[Channel, ...] = field(default=DEFAULT_CHANNELS)

    def __post_init__(self) -> None:
        _check(self.total >= 0, f"The marketing budget cannot be below 0; got {self.total}.")
        _check(0 <= self.uplift <= 1, f"Extra buyers per 100 contacted must be 0 to 100; got {self.uplift * 100:g}.")
        _check(self.touches >= 1, f"Each customer needs at least 1 contact; got {self.touches}.")
        channels = tuple(c if isinstance(c, Channel) else Channel(**c) for c in self.channels)
        _check(len(channels) > 0, "Add at least one channel with its cost per contact.")
        object.__setattr__(self, "channels", channels)
