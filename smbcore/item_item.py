"""Item-to-item weights learned from a customers x products matrix, for smbcore.recommend.

- `ease_weights`: EASE (Steck, 2019), a closed-form linear item-to-item model, from the items x items Gram matrix;
- `bm25_neighbours`: BM25-weighted item similarity keeping each product's nearest neighbours (as implicit's
  BM25Recommender: k1 = 1.2, b = 0.75, 100 neighbours).
"""

from __future__ import annotations

import numpy as np
from scipy import sparse

__all__ = ["ease_weights", "bm25_neighbours"]

_NEIGHBOURS = 100
_BM25_K1, _BM25_B = 1.2, 0.75


def ease_weights(gram: np.ndarray, l2: float) -> np.ndarray:
    """EASE item x item weights B = -P / diag(P), P = (gram + l2 I)^-1, zero diagonal (float32)."""
    gram[np.diag_indices_from(gram)] += l2
    inverse = np.linalg.inv(gram)
    weights = inverse / (-np.diag(inverse))
    weights[np.diag_indices_from(weights)] = 0.0
    return weights.astype(np.float32)  # float32 halves scoring time


def bm25_neighbours(bought: sparse.csr_matrix) -> sparse.csr_matrix:
    """Item x item similarity of a binary users x items matrix, BM25-weighted (users with many products and
    popular products weigh less), each product keeping its _NEIGHBOURS most similar (itself included)."""
    n_items = bought.shape[1]
    idf = np.log(max(n_items, 1)) - np.log1p(np.asarray(bought.sum(axis=1)).ravel())
    buyers = np.asarray(bought.sum(axis=0)).ravel()
    length = (1.0 - _BM25_B) + _BM25_B * buyers / max(buyers.mean(), 1e-12)
    coo = bought.tocoo()
    data = coo.data * (_BM25_K1 + 1.0) / (_BM25_K1 * length[coo.col] + coo.data) * idf[coo.row]
    weighted = sparse.csr_matrix((data, (coo.row, coo.col)), shape=bought.shape)
    sim = (weighted.T @ weighted).toarray()
    if _NEIGHBOURS < n_items:
        np.put_along_axis(sim, np.argpartition(-sim, _NEIGHBOURS, axis=1)[:, _NEIGHBOURS:], 0.0, axis=1)
    return sparse.csr_matrix(sim.astype(np.float32))
