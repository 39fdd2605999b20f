"""Products for each customer (re-buys and new ones, each with a reason) and products bought together.

The model adds signals learned from the shop's own orders:
- re-buy: how often and how recently the customer bought a product (recent orders count more), how many
  of its buyers come back for it, and how many customers bought it in the last 90 days;
- item-item: EASE, a closed-form item-to-item model (Steck, 2019) learned with recent customers' products
  counting more and applied to the customer's history and their recent purchases, plus BM25-weighted item
  neighbours (as implicit's BM25Recommender), so products bought by people with similar baskets rise;
- trend: how many customers bought the product in the last 7 days.
New or unknown customers get what is popular in their country (or the shop) in the last 90 days.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import sparse

from smbcore.errors import require_customer_ids
from smbcore.item_item import bm25_neighbours, ease_weights
from smbcore.overview import non_product_lines

__all__ = ["Recommender", "fit", "clean_sales", "held_out_check", "check_words"]

_RECENT_DAYS = 90
_TREND_DAYS = 7  # chosen on four validation windows (see benchmarks/results/recommend.md)
_MAX_EASE_ITEMS = 6_000  # EASE inverts an items x items matrix: bound memory (6,000^2 x 8 bytes = 288 MB)


def clean_sales(transactions: pd.DataFrame) -> pd.DataFrame:
    """Sale lines usable for recommendations: a customer id, positive quantity and price, a real product.

    Returns columns: customer_id, product_id, order_id, timestamp, quantity (+ product_name, country when present).
    """
    tx = transactions
    keep = (
        tx["customer_id"].notna()
        & ~tx["is_return"]
        & (tx["quantity"] > 0)
        & (tx["unit_price"] > 0)
        & ~non_product_lines(tx)
    )
    columns = [
        c
        for c in ("customer_id", "product_id", "order_id", "timestamp", "quantity", "product_name", "country")
        if c in tx
    ]
    return tx.loc[keep, columns].reset_index(drop=True)


def _main_country(sales: pd.DataFrame) -> pd.Series:
    """customer_id -> the country on most of their lines (ties: first by name); customers without one are left out."""
    lines = sales.groupby(["customer_id", "country"], observed=True).size().rename("n").reset_index()
    lines = lines.sort_values(["customer_id", "n", "country"], ascending=[True, False, True])
    return lines.drop_duplicates("customer_id").set_index("customer_id")["country"].astype(object)


def _weights(age_days: np.ndarray, half_life: float) -> np.ndarray:
    return np.power(0.5, age_days / half_life)


@dataclass
class Recommender:
    """Products for each customer: `Recommender().fit(transactions)`, then `recommend` / `similar`.

    Settings: `half_life_days` and `recent_weight`: how much extra the last weeks' purchases count in the
    item-item part; `trend_weight`: how much the last 7 days' buyers count there; `neighbours_weight`: the
    BM25 item neighbours' part; `l2`: EASE regularisation; `gram_half_life_days`: EASE learns from each
    customer's products weighted 0.5 ** (days since last bought / half-life).
    Re-buys: `rebuy_half_life_days` (each past order counts 0.5 ** (age / half-life)), `order_weight` (plus this
    per order), `repeat_rate_weight` (times the share of the product's buyers who bought it in 2+ orders),
    `popular_weight` (times its 90-day buyers over the top product's); `rebuy_weight` scales all of that against
    the item-item part (which is at most 1 per customer). The defaults were chosen on validation windows of the
    Online Retail sample that all end before the benchmark's test period (judge March-May, April-June, June-August,
    July-August, each learning from the lines before it), keeping the best worst-window margin over the peers.
    Learned state (trailing underscore): the product and customer index, the recency-weighted
    customer x product matrices, re-buy statistics, the EASE item-item weights and recent popularity.
    """

    half_life_days: float = 30.0
    recent_weight: float = 1.0
    trend_weight: float = 0.8
    neighbours_weight: float = 0.5
    l2: float = 200.0
    gram_half_life_days: float = 60.0
    rebuy_weight: float = 0.5
    rebuy_half_life_days: float = 120.0
    order_weight: float = 0.25
    repeat_rate_weight: float = 5.0
    popular_weight: float = 1.0
    asof_: pd.Timestamp | None = None
    items_: pd.Index = field(default_factory=lambda: pd.Index([]))
    names_: pd.Series = field(default_factory=lambda: pd.Series(dtype=object))
    users_: pd.Index = field(default_factory=lambda: pd.Index([]))
    profile_: sparse.csr_matrix | None = None  # users x items, recency-weighted order counts (half_life_days)
    rebuy_: sparse.csr_matrix | None = None  # users x items, recency-weighted order counts (rebuy_half_life_days)
    repeat_rate_: np.ndarray | None = None  # items: (buyers in 2+ orders + 1) / (buyers + 5)
    trending_: np.ndarray | None = None  # items: distinct buyers in the last 7 days
    orders_: sparse.csr_matrix | None = None  # users x items, number of orders with the item
    last_days_: sparse.csr_matrix | None = None  # users x items, days since last bought (+1, 0 = never)
    first_days_: sparse.csr_matrix | None = None  # users x items, days since first bought (+1, 0 = never)
    buyers_: np.ndarray | None = None  # items: distinct buyers
    co_buyers_: np.ndarray | None = None  # items x items: customers who bought both (EASE items only)
    ease_items_: np.ndarray | None = None  # positions of the items EASE covers
    ease_: np.ndarray | None = None  # EASE weights among those items
    neighbours_: sparse.csr_matrix | None = None  # BM25 item-neighbour similarities among those items
    popular_: np.ndarray | None = None  # items: distinct buyers in the last 90 days
    popular_by_country_: dict = field(default_factory=dict)
    country_: pd.Series = field(default_factory=lambda: pd.Series(dtype=object))
    baskets_: sparse.csc_matrix | None = None  # orders x items, for "bought together"

    def fit(self, transactions: pd.DataFrame, asof: pd.Timestamp | str | None = None) -> Recommender:
        """Learn from canonical transactions (customer_id, product_id, order_id, timestamp, quantity,
        unit_price, is_return; product_name and country when present); lines after `asof`, if given, are
        ignored. Returns self, fitted (the learned state ends in '_')."""
        require_customer_ids(transactions, "Products suggested for each customer")
        sales = clean_sales(transactions)
        asof = pd.Timestamp(asof) if asof is not None else sales["timestamp"].max()
        sales = sales[sales["timestamp"] <= asof]
        self.asof_, self.popular_by_country_ = asof, {}
        half_life_days = self.half_life_days
        item_codes, items = pd.factorize(sales["product_id"], sort=True)
        user_codes, users = pd.factorize(sales["customer_id"], sort=True)
        self.items_, self.users_ = pd.Index(items.astype(str)), pd.Index(users.astype(str))
        if "product_name" in sales:
            names = (
                sales.assign(item=item_codes)
                .dropna(subset=["product_name"])
                .groupby(["item", "product_name"])
                .size()
                .sort_values(ascending=False)
                .reset_index()
                .drop_duplicates("item")
                .set_index("item")
            )
            self.names_ = names["product_name"].reindex(range(len(items))).fillna(pd.Series(items)).astype(str)
        else:
            self.names_ = pd.Series(items.astype(str))
        shape = (len(users), len(items))

        # One entry per (customer, order, product): an order with the same product twice counts once.
        lines = pd.DataFrame(
            {"u": user_codes, "i": item_codes, "o": sales["order_id"].to_numpy(), "t": sales["timestamp"].to_numpy()}
        ).drop_duplicates(["u", "o", "i"])
        age = ((asof - lines["t"]).dt.total_seconds() / 86_400).to_numpy()
        self.profile_ = sparse.csr_matrix((_weights(age, half_life_days), (lines["u"], lines["i"])), shape=shape)
        self.rebuy_ = sparse.csr_matrix(
            (_weights(age, self.rebuy_half_life_days), (lines["u"], lines["i"])), shape=shape
        )
        self.orders_ = sparse.csr_matrix((np.ones(len(lines)), (lines["u"], lines["i"])), shape=shape)
        span = lines.assign(age=age).groupby(["u", "i"])["age"].agg(["min", "max"]).reset_index()
        self.last_days_ = sparse.csr_matrix((np.floor(span["min"]) + 1, (span["u"], span["i"])), shape=shape)
        self.first_days_ = sparse.csr_matrix((np.floor(span["max"]) + 1, (span["u"], span["i"])), shape=shape)
        for matrix in (self.profile_, self.rebuy_, self.orders_, self.last_days_, self.first_days_):
            matrix.sum_duplicates()  # sorted indices, one entry per cell: _reasons reads rows directly

        bought = (self.orders_ > 0).astype(np.float64)
        self.buyers_ = np.asarray(bought.sum(axis=0)).ravel()
        again = np.asarray((self.orders_ > 1).sum(axis=0)).ravel()
        self.repeat_rate_ = (again + 1.0) / (self.buyers_ + 5.0)  # shrunk towards 1/5 for rarely bought products
        recent = lines[age <= _RECENT_DAYS].drop_duplicates(["u", "i"])
        self.popular_ = np.bincount(recent["i"], minlength=len(items)).astype(float)
        trend = lines[age <= _TREND_DAYS].drop_duplicates(["u", "i"])
        self.trending_ = np.bincount(trend["i"], minlength=len(items)).astype(float)
        if "country" in sales:
            self.country_ = country = _main_country(sales)
            recent_country = country.reindex(users[recent["u"]]).to_numpy()
            for name in pd.unique(recent_country[pd.notna(recent_country)]):
                counts = np.bincount(recent["i"][recent_country == name], minlength=len(items)).astype(float)
                self.popular_by_country_[name] = (counts, name)

        ease_items = np.sort(np.argsort(-self.buyers_, kind="stable")[:_MAX_EASE_ITEMS])
        x = bought[:, ease_items]
        self.co_buyers_ = (x.T @ x).toarray().astype(np.float32)
        lately = sparse.csr_matrix((_weights(span["min"], self.gram_half_life_days), (span["u"], span["i"])), shape)
        lately = lately[:, ease_items]
        self.ease_items_, self.ease_ = ease_items, ease_weights((lately.T @ lately).toarray(), self.l2)
        self.neighbours_ = bm25_neighbours(x)

        order_codes, _ = pd.factorize(lines["o"])
        self.baskets_ = sparse.csc_matrix(
            (np.ones(len(lines)), (order_codes, lines["i"])),
            shape=(order_codes.max() + 1 if len(lines) else 0, len(items)),
        )
        self.baskets_.data[:] = 1.0
        return self

    def _ease(self, history: sparse.csr_matrix, weights=None) -> np.ndarray:
        """EASE scores (or those of other item x item `weights`) from a users x items history, scaled to a
        maximum of 1 per customer (float32)."""
        weights = self.ease_ if weights is None else weights
        scores = np.zeros(history.shape, dtype=np.float32)
        if weights is not None and history.shape[0]:
            part = history[:, self.ease_items_].astype(np.float32) @ weights
            part = np.maximum(part.toarray() if sparse.issparse(part) else part, 0)
            part /= np.maximum(part.max(axis=1, keepdims=True), 1e-12)
            scores[:, self.ease_items_] = part
        return scores

    def _scores(self, rows: np.ndarray, exclude_purchased: bool) -> np.ndarray:
        orders = self.orders_[rows]
        popular = (self.popular_ / max(self.popular_.max(), 1)).astype(np.float32)
        # Item-item: everything they bought, extra weight on what they bought lately, and what sells this week.
        bought = (orders > 0).astype(np.float64)
        scores = self._ease(bought) + self.recent_weight * self._ease(self.profile_[rows])
        scores += (self.trend_weight * self.trending_ / max(self.trending_.max(), 1)).astype(np.float32)
        scores /= np.maximum(scores.max(axis=1, keepdims=True), 1e-12)
        scores += self.neighbours_weight * self._ease(bought, self.neighbours_)
        counts = orders.toarray().astype(np.float32)
        if exclude_purchased:
            scores[counts > 0] = -np.inf
        else:
            item = self.repeat_rate_weight * self.repeat_rate_ + self.popular_weight * popular
            rebuy = self.rebuy_[rows].toarray() + self.order_weight * counts + (counts > 0) * item.astype(np.float32)
            scores += self.rebuy_weight * rebuy
        # Tiny tie-breaker: what sells now.
        scores += 1e-4 * popular
        return scores

    def _fallback(self, customer_id, k: int, countries: dict) -> list[tuple[int, float, str]]:
        country = countries.get(customer_id, self.country_.get(customer_id))
        counts, where = self.popular_by_country_.get(country, (None, None)) if country else (None, None)
        if counts is None or (counts > 0).sum() < k:
            counts, where = self.popular_, "the shop"
        top = np.argsort(-counts, kind="stable")[:k]
        return [
            (
                int(i),
                float(counts[i]),
                f"Popular in {where}: bought by {int(counts[i])} customers in the last {_RECENT_DAYS} days",
            )
            for i in top
            if counts[i] > 0
        ]

    def _reasons(self, row: int, items: np.ndarray) -> list[str]:
        """Why each of `items` is suggested to the customer at `row`, in words."""
        start, end = self.orders_.indptr[row], self.orders_.indptr[row + 1]
        bought, counts = self.orders_.indices[start:end], self.orders_.data[start:end]
        last = self.last_days_.data[self.last_days_.indptr[row] : self.last_days_.indptr[row + 1]]
        first = self.first_days_.data[self.first_days_.indptr[row] : self.first_days_.indptr[row + 1]]
        history = np.array([], dtype=int)
        if self.ease_ is not None and len(bought):
            pos = np.minimum(np.searchsorted(self.ease_items_, bought), len(self.ease_items_) - 1)
            history = pos[self.ease_items_[pos] == bought]  # positions (in the EASE items) of what they bought
        where = np.minimum(np.searchsorted(bought, items), max(len(bought) - 1, 0))
        reasons = []
        for item, at in zip(items, where, strict=True):
            mine = len(bought) and bought[at] == item
            cycle = (first[at] - last[at]) / (counts[at] - 1) if mine and counts[at] > 1 else 0.0
            reasons.append(self._reason(int(item), counts[at] if mine else 0, last[at] if mine else 0, cycle, history))
        return reasons

    def _reason(self, item: int, orders: float, last: float, cycle: float, history: np.ndarray) -> str:
        if orders:
            days = int(last) - 1
            if orders >= 2 and cycle >= 1:
                return f"Re-buy: you buy this every ~{cycle:.0f} days ({int(orders)} orders), last {days} days ago"
            if orders >= 2:
                return f"Re-buy: bought {int(orders)} times, last {days} days ago"
            return f"Bought once before, {days} days ago"
        pos = np.searchsorted(self.ease_items_, item) if self.ease_ is not None else 0
        if self.ease_ is None or pos >= len(self.ease_items_) or self.ease_items_[pos] != item or not len(history):
            return "Popular in the shop"
        anchor = history[int(np.argmax(self.ease_[history, pos]))]
        anchor_item = self.ease_items_[anchor]
        both = self.co_buyers_[anchor, pos]
        share = both / max(self.buyers_[anchor_item], 1)
        return f"Bought by {share:.0%} of customers who bought {self.names_.iloc[anchor_item]}"

    def recommend(
        self, customer_ids, k: int = 10, exclude_purchased: bool = False, countries: dict | None = None
    ) -> pd.DataFrame:
        """Top-k products per customer, best first.

        Returns columns: customer_id, rank (1 = best), product_id, product_name, score, reason. Customers
        the model has not seen get what is popular in their country (from `countries`, customer_id -> country,
        e.g. from the customers table) or in the shop. With `exclude_purchased`, products the customer already
        bought are never suggested.
        """
        ids = pd.Index(pd.unique(pd.Series(list(customer_ids), dtype="string")))
        rows = self.users_.get_indexer(ids)
        known = rows >= 0
        records = []
        if known.any():
            scores = self._scores(rows[known], exclude_purchased)
            kk = min(k, scores.shape[1])
            top = np.argpartition(-scores, kk - 1, axis=1)[:, :kk]
            for n, (cid, row) in enumerate(zip(ids[known], rows[known], strict=True)):
                order = top[n][np.argsort(-scores[n, top[n]], kind="stable")]
                order = order[np.isfinite(scores[n, order])]
                for rank, (item, reason) in enumerate(zip(order, self._reasons(row, order), strict=True), 1):
                    records.append((cid, rank, int(item), float(scores[n, item]), reason))
        for cid in ids[~known]:
            for rank, (item, score, reason) in enumerate(self._fallback(cid, k, countries or {}), start=1):
                records.append((cid, rank, item, score, reason))
        out = pd.DataFrame(records, columns=["customer_id", "rank", "item", "score", "reason"])
        # No suggestion at all (e.g. a one-product shop asked for products new to its customers) leaves an empty
        # frame whose columns pandas would make float: positions must stay integers.
        item = out["item"].to_numpy(dtype=np.int64)
        out = out.astype({"rank": np.int64, "score": float, "reason": "string"})
        out.insert(2, "product_id", pd.array(self.items_.to_numpy()[item], dtype="string"))
        out.insert(3, "product_name", pd.array(self.names_.to_numpy()[item], dtype="string"))
        out["customer_id"] = out["customer_id"].astype("string")
        return out.drop(columns="item")

    def similar(self, product_id: str, k: int = 10, min_orders: int = 3) -> pd.DataFrame:
        """Products most often in the same order as `product_id` ("frequently bought together").

        Returns columns: product_id, product_name, orders_together, share (of the product's orders that also
        hold this one), score (lift over chance), reason. Pairs seen in fewer than `min_orders` orders are dropped.
        """
        columns = ["product_id", "product_name", "orders_together", "share", "score", "reason"]
        item = self.items_.get_indexer([product_id])[0]
        if item < 0:
            return pd.DataFrame(columns=columns)
        with_item = self.baskets_[:, item].indices
        together = np.asarray(self.baskets_[with_item].sum(axis=0)).ravel()
        together[item] = 0
        item_orders = np.asarray(self.baskets_.sum(axis=0)).ravel()
        share = together / max(len(with_item), 1)
        lift = share / np.maximum(item_orders / self.baskets_.shape[0], 1e-12)
        candidates = np.flatnonzero(together >= min_orders)
        best = candidates[np.lexsort((-lift[candidates], -together[candidates]))][:k]
        name = self.names_.iloc[item]
        return pd.DataFrame(
            {
                "product_id": pd.array(self.items_[best], dtype="string"),
                "product_name": pd.array(self.names_.to_numpy()[best], dtype="string"),
                "orders_together": together[best].astype(int),
                "share": share[best],
                "score": lift[best],
                "reason": [f"In {share[i]:.0%} of the {len(with_item)} orders with {name}" for i in best],
            },
            columns=columns,
        )


def fit(transactions: pd.DataFrame, asof: pd.Timestamp | str | None = None, **settings) -> Recommender:
    """`Recommender(**settings).fit(transactions, asof)`: the settings and their defaults are the Recommender's."""
    return Recommender(**settings).fit(transactions, asof)


def held_out_check(transactions: pd.DataFrame, days: int = _RECENT_DAYS, k: int = 10) -> dict:
    """How well suggestions made `days` before the last order found what customers bought next: a Recommender
    learns from the lines up to that cut-off and suggests `k` products (re-buys included) to every customer who
    bought before and after it. Returns cutoff, days, k, customers (checked) and recall: the mean over those
    customers of hits / min(k, products they bought after), NaN when no customer bought in both periods."""
    sales = clean_sales(transactions)
    cutoff = sales["timestamp"].max() - pd.Timedelta(days=days) if len(sales) else pd.NaT
    before, after = sales[sales["timestamp"] <= cutoff], sales[sales["timestamp"] > cutoff]
    bought = _products_of(after)
    users = sorted(set(bought) & set(before["customer_id"].astype(str)))
    out = {"cutoff": cutoff, "days": days, "k": k, "customers": len(users), "recall": float("nan")}
    if users:
        recs = fit(transactions, asof=cutoff).recommend(users, k=k)
        lists = _products_of(recs)
        hits = [len(lists.get(u, set()) & bought[u]) / min(k, len(bought[u])) for u in users]
        out["recall"] = float(np.mean(hits))
    return out


def _products_of(lines: pd.DataFrame) -> dict[str, set[str]]:
    """customer_id -> the set of product_ids in `lines`."""
    return {str(c): set(p.astype(str)) for c, p in lines.groupby(lines["customer_id"].astype(str))["product_id"]}


def check_words(check: dict) -> str:
    """`held_out_check` in one plain sentence, its figures measured on the data it describes."""
    if not check["customers"]:
        return f"Not checked yet: no customer bought both before and in the last {check['days']} days of these orders."
    return (
        f"Recall@{check['k']} {check['recall']:.3f} on these orders: {check['k']} suggestions made on "
        f"{check['cutoff']:%d %b %Y} held {check['recall']:.0%} of the products {check['customers']:,} returning "
        f"customers bought in the next {check['days']} days (up to {check['k']} each)."
    )
