"""Offline evaluation protocol and baseline ("peer") recommenders for the Online Retail sample.

    PYTHONPATH=. .venv/bin/python benchmarks/recsys_peers.py

Protocol: sales lines (see `clean_sales`) before a cutoff date train the recommenders; the products each
customer bought on or after the cutoff are the truth. Only customers seen on both sides are evaluated.
Two modes:

- "all": truth is every product bought in test; peers may recommend products the customer already bought.
- "new": truth is the products bought in test that the customer had not bought in train; peers never
  recommend products the customer bought in train (exclude_bought=True).

Every peer has the signature `(train, users, k=10, exclude_bought=False) -> {customer_id: [product_id, ...]}`
where `train` has the columns of `clean_sales` and `users` lists customers present in `train`.
`run_peers` runs them all in both modes and returns one row per (method, mode).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import partial

import numpy as np
import pandas as pd
import scipy.sparse as sp

from smbcore import recommend

__all__ = [
    "clean_sales",
    "split",
    "evaluate",
    "popular_recent",
    "repeat_then_popular",
    "item_knn",
    "ease",
    "als",
    "run_peers",
]

Recs = dict[str, list[str]]

# BM25 weighting used by item_knn(weighting="bm25") and als(bm25=True): the defaults of implicit's BM25Recommender.
BM25_K1, BM25_B = 1.2, 0.75


# ---------------------------------------------------------------------------------------------- protocol


def clean_sales(tx: pd.DataFrame) -> pd.DataFrame:
    """Goods actually sold to known customers: the same lines smbcore's recommender learns from.

    In: the canonical `transactions` table. Out: columns customer_id, product_id, order_id, timestamp,
    quantity (see smbcore.recommend.clean_sales for which lines are kept).
    """
    return recommend.clean_sales(tx)[["customer_id", "product_id", "order_id", "timestamp", "quantity"]]


def split(
    sales: pd.DataFrame, cutoff: str | pd.Timestamp = "2011-09-01"
) -> tuple[pd.DataFrame, dict[str, set[str]], dict[str, set[str]], list[str]]:
    """Split `clean_sales` output at `cutoff`.

    Returns (train, test_truth_all, test_truth_new, users):
    - train: the lines before cutoff (same columns as `sales`);
    - users: sorted customers with lines both before and on/after cutoff;
    - test_truth_all: user -> set of product_ids bought on/after cutoff, for every user in `users`;
    - test_truth_new: user -> those products the user had not bought before cutoff; users left with
      nothing new are not in this dict.
    """
    cutoff = pd.Timestamp(cutoff)
    before = sales["timestamp"] < cutoff
    train, test = sales[before], sales[~before]
    users = sorted(set(train["customer_id"]) & set(test["customer_id"]))
    test = test[test["customer_id"].isin(users)]
    bought_test = test.groupby("customer_id")["product_id"].apply(set)
    bought_train = train[train["customer_id"].isin(users)].groupby("customer_id")["product_id"].apply(set)
    truth_all = {u: bought_test[u] for u in users}
    truth_new = {u: new for u in users if (new := bought_test[u] - bought_train[u])}
    return train.reset_index(drop=True), truth_all, truth_new, users


def evaluate(recs: Recs, truth: dict[str, set[str]], k: int = 10) -> dict:
    """Recall@k and NDCG@k averaged over the users in `truth` (a user missing from `recs` scores 0).

    Returns {"recall": hits / |truth|, "recall_capped": hits / min(k, |truth|), "ndcg": binary-gain NDCG
    with the ideal DCG over min(k, |truth|) items, "users": number of users in truth}.
    """
    discounts = 1.0 / np.log2(np.arange(2, k + 2))
    recall = capped = ndcg = 0.0
    for user, relevant in truth.items():
        hit = np.array([p in relevant for p in recs.get(user, [])[:k]], dtype=bool)
        hits = hit.sum()
        ideal = min(k, len(relevant))
        recall += hits / len(relevant)
        capped += hits / ideal
        ndcg += discounts[: len(hit)][hit].sum() / discounts[:ideal].sum()
    n = len(truth)
    return {"recall": float(recall / n), "recall_capped": float(capped / n), "ndcg": float(ndcg / n), "users": n}


# ---------------------------------------------------------------------------------------------- helpers


def _ranked_popular(train: pd.DataFrame, days: int = 90) -> list[str]:
    """Products by number of distinct customers in the last `days` days of train (ties by product_id)."""
    recent = train[train["timestamp"] >= train["timestamp"].max() - pd.Timedelta(days=days)]
    counts = recent.groupby("product_id")["customer_id"].nunique()
    return (
        counts.reset_index().sort_values(["customer_id", "product_id"], ascending=[False, True])["product_id"].tolist()
    )


def _fill(head: list[str], tail: list[str], k: int, skip: set[str]) -> list[str]:
    """`head` then items of `tail` not already listed and not in `skip`, up to k items."""
    out, seen = list(head[:k]), set(head[:k]) | skip
    for item in tail:
        if len(out) >= k:
            break
        if item not in seen:
            out.append(item)
            seen.add(item)
    return out


def _bought(train: pd.DataFrame, users: list[str]) -> dict[str, set[str]]:
    """user -> products that user bought in train (empty set for users absent from train)."""
    sets = train[train["customer_id"].isin(users)].groupby("customer_id")["product_id"].apply(set)
    return {u: sets.get(u, set()) for u in users}


def _matrix(train: pd.DataFrame) -> tuple[sp.csr_matrix, pd.Index, pd.Index]:
    """Binary user x item CSR matrix (1 if the user bought the item at least once in train), user ids, item ids."""
    u_codes, u_index = pd.factorize(train["customer_id"], sort=True)
    i_codes, i_index = pd.factorize(train["product_id"], sort=True)
    x = sp.csr_matrix((np.ones(len(train)), (u_codes, i_codes)), shape=(len(u_index), len(i_index)))
    x.data[:] = 1.0  # duplicates were summed
    return x, pd.Index(u_index), pd.Index(i_index)


def _bm25(x: sp.csr_matrix, k1: float, b: float) -> sp.csr_matrix:
    """BM25-weighted user x item matrix, as implicit's bm25_weight applied to the item x user matrix:
    idf per user (users with many items weigh less), length normalisation per item (popular items weigh less)."""
    item_user = x.T.tocoo()
    idf = np.log(item_user.shape[0]) - np.log1p(np.bincount(item_user.col, minlength=item_user.shape[1]))
    row_sums = np.asarray(item_user.sum(axis=1)).ravel()
    length_norm = (1.0 - b) + b * row_sums / row_sums.mean()
    data = item_user.data * (k1 + 1.0) / (k1 * length_norm[item_user.row] + item_user.data) * idf[item_user.col]
    return sp.coo_matrix((data, (item_user.row, item_user.col)), shape=item_user.shape).T.tocsr()


def _recs_from_scores(
    score_fn: Callable[[sp.csr_matrix], np.ndarray],
    x: sp.csr_matrix,
    user_index: pd.Index,
    item_index: pd.Index,
    users: list[str],
    k: int,
    exclude_bought: bool,
) -> Recs:
    """Top-k items per user (ties by product_id) from `score_fn`, which maps the users' rows of the binary
    matrix `x` (from `_matrix`) to a dense users x items score matrix; bought items skipped when exclude_bought."""
    rows = x[user_index.get_indexer(users)]
    scores = np.array(score_fn(rows), dtype=np.float64)
    if exclude_bought:
        scores[rows.nonzero()] = -np.inf
    top = np.argsort(-scores, axis=1, kind="stable")[:, :k]
    items = item_index.to_numpy()
    return {u: items[t].tolist() for u, t in zip(users, top, strict=True)}


# ---------------------------------------------------------------------------------------------- peers


def popular_recent(train: pd.DataFrame, users: list[str], k: int = 10, exclude_bought: bool = False) -> Recs:
    """The same list for everyone: products bought by the most distinct customers in the last 90 days of train."""
    ranked = _ranked_popular(train)
    bought = _bought(train, users) if exclude_bought else dict.fromkeys(users, set())
    return {u: _fill([], ranked, k, bought[u]) for u in users}


def repeat_then_popular(train: pd.DataFrame, users: list[str], k: int = 10, exclude_bought: bool = False) -> Recs:
    """The user's own past products, then the 90-day most popular products the user has not bought.

    Own products rank by the number of the user's orders they were in; ties by how many distinct customers
    bought them in the last 90 days of train (`_ranked_popular`), then by most recent purchase, then product_id.
    The tie-break order was chosen on the validation period (train before 2011-06-01, judged June-August):
    Recall@10 / NDCG@10 0.390 / 0.406 with popularity before recency, 0.382 / 0.399 with recency first,
    0.350 / 0.358 with recency alone (whole baskets share a timestamp, so recency leaves most ties to product_id).
    With exclude_bought the user's own products are all excluded, so this is `popular_recent`."""
    if exclude_bought:
        return popular_recent(train, users, k, exclude_bought=True)
    ranked = _ranked_popular(train)
    position = pd.Series(np.arange(len(ranked)), index=pd.Index(ranked, name="product_id"), name="popular")
    own = (
        train[train["customer_id"].isin(users)]
        .groupby(["customer_id", "product_id"])
        .agg(orders=("order_id", "nunique"), last=("timestamp", "max"))
        .reset_index()
        .join(position, on="product_id")
        .fillna({"popular": len(ranked)})
        .sort_values(
            ["customer_id", "orders", "popular", "last", "product_id"], ascending=[True, False, True, False, True]
        )
        .groupby("customer_id")["product_id"]
        .agg(list)
    )
    return {u: _fill(own.get(u, []), ranked, k, set()) for u in users}


def item_knn(
    train: pd.DataFrame,
    users: list[str],
    k: int = 10,
    exclude_bought: bool = False,
    weighting: str = "cosine",
    neighbours: int = 100,
) -> Recs:
    """Item-item nearest neighbours on the binary user x item matrix X.

    Similarity: "cosine" = cosine between item columns of X; "bm25" = dot product between item columns of
    the BM25-weighted X (BM25_K1, BM25_B), as implicit's BM25Recommender. Each item keeps its `neighbours`
    most similar items (itself included, as in implicit). Score = user's row of X @ similarity.
    """
    x, user_index, item_index = _matrix(train)
    if weighting == "cosine":
        xw = sp.csr_matrix(x @ sp.diags(1.0 / np.sqrt(np.asarray(x.sum(axis=0)).ravel())))
    elif weighting == "bm25":
        xw = _bm25(x, BM25_K1, BM25_B)
    else:
        raise ValueError(f"weighting must be 'cosine' or 'bm25', not {weighting!r}")
    sim = (xw.T @ xw).toarray()
    if neighbours < sim.shape[0]:
        drop = np.argpartition(-sim, kth=neighbours, axis=1)[:, neighbours:]
        np.put_along_axis(sim, drop, 0.0, axis=1)
    sim = sp.csr_matrix(sim)
    return _recs_from_scores(lambda rows: (rows @ sim).toarray(), x, user_index, item_index, users, k, exclude_bought)


def ease(train: pd.DataFrame, users: list[str], k: int = 10, exclude_bought: bool = False, l2: float = 400.0) -> Recs:
    """EASE (Steck 2019) on the binary user x item matrix X: B = -P / diag(P) with P = (X'X + l2 I)^-1,
    diag(B) = 0; scores = X @ B. l2 chosen on the validation period June-August ("new" mode Recall@10 for l2 = 50,
    100, 200, 400, 800, 1600: 0.1365, 0.1393, 0.1416, 0.1441, 0.1436, 0.1396) and checked on the four validation
    windows of benchmarks/recommend.py: 400 has the best mean "new" Recall@10 and worst-window NDCG@10 of 100, 200,
    400, 800 (worst windows: Recall 0.1255, 0.1288, 0.1317, 0.1340; NDCG 0.1267, 0.1288, 0.1320, 0.1318)."""
    x, user_index, item_index = _matrix(train)
    gram = (x.T @ x).toarray()
    gram[np.diag_indices_from(gram)] += l2
    p = np.linalg.inv(gram)
    weights = -p / np.diag(p)
    np.fill_diagonal(weights, 0.0)
    return _recs_from_scores(lambda rows: rows @ weights, x, user_index, item_index, users, k, exclude_bought)


def als(
    train: pd.DataFrame,
    users: list[str],
    k: int = 10,
    exclude_bought: bool = False,
    factors: int = 64,
    regularization: float = 0.05,
    iterations: int = 20,
    bm25: bool = True,
) -> Recs:
    """implicit's AlternatingLeastSquares (CPU, random_state=0, 2 threads) on the binary user x item matrix,
    BM25-weighted first when `bm25` (BM25_K1, BM25_B, as item_knn). Recommends with
    filter_already_liked_items=exclude_bought."""
    try:
        from implicit.als import AlternatingLeastSquares
        from threadpoolctl import threadpool_limits
    except ImportError as exc:
        raise ImportError("als needs the `implicit` package: .venv/bin/pip install implicit") from exc

    x, user_index, item_index = _matrix(train)
    user_items = (_bm25(x, BM25_K1, BM25_B) if bm25 else x).astype(np.float32).tocsr()
    with threadpool_limits(1, "blas"):  # implicit runs its own threads; a threaded BLAS underneath slows it down
        model = AlternatingLeastSquares(
            factors=factors,
            regularization=regularization,
            iterations=iterations,
            random_state=0,
            num_threads=2,
            use_gpu=False,
        )
        model.fit(user_items, show_progress=False)
        rows = user_index.get_indexer(users)
        ids, _ = model.recommend(rows, user_items[rows], N=k, filter_already_liked_items=exclude_bought)
    items = item_index.to_numpy()
    return {u: items[i[i >= 0]].tolist() for u, i in zip(users, ids, strict=True)}  # -1 pads short lists


# ---------------------------------------------------------------------------------------------- run


PEERS: dict[str, Callable[..., Recs]] = {
    "popular_recent": popular_recent,
    "repeat_then_popular": repeat_then_popular,
    "item_cosine": partial(item_knn, weighting="cosine"),
    "item_bm25": partial(item_knn, weighting="bm25"),
    "ease": ease,
    "als": als,
}


def run_peers(tx: pd.DataFrame, cutoff: str | pd.Timestamp = "2011-09-01", k: int = 10) -> pd.DataFrame:
    """Every peer in both modes on the canonical `transactions` table.

    Returns columns method, mode ("all": truth_all, bought items allowed; "new": truth_new, bought items
    excluded), recall, recall_capped, ndcg, users (evaluated), fit_seconds (fit + recommend wall time).
    """
    train, truth_all, truth_new, users = split(clean_sales(tx), cutoff)
    rows = []
    for mode, truth, exclude in (("all", truth_all, False), ("new", truth_new, True)):
        for method, peer in PEERS.items():
            start = time.perf_counter()
            recs = peer(train, users, k=k, exclude_bought=exclude)
            seconds = time.perf_counter() - start
            rows.append({"method": method, "mode": mode, **evaluate(recs, truth, k), "fit_seconds": seconds})
    return pd.DataFrame(rows, columns=["method", "mode", "recall", "recall_capped", "ndcg", "users", "fit_seconds"])


if __name__ == "__main__":
    from smbcore.data import load_sample

    pd.set_option("display.width", 120)
    print(run_peers(load_sample("online_retail")["transactions"]).round(3).to_string(index=False))
