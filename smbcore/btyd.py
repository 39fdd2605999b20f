"""The standard 'buy till you die' customer-value models, fitted in numpy/scipy: BG/NBD for how often a customer
buys and whether they are still a customer, in its modified form MBG/NBD (Batislam, Denizel & Filiztekin 2007;
BG/NBD is Fader, Hardie & Lee 2005) where a customer can also leave right after the first order, so a one-order
customer gone for a year gets a low chance of still being a customer (BG/NBD gives every one-order customer 1),
and Gamma-Gamma for how much an order is worth (Fader, Hardie & Lee 2005, "RFM and CLV", appendix; Fader &
Hardie 2013 note on the Gamma-Gamma model). Both are fitted by maximum likelihood on closed-form log-likelihoods.

Inputs per customer (arrays of one length): x = repeat orders (orders after the first), t_x = time from the first
to the last order, T = time from the first order to the date of the analysis, all in the same unit (weeks here),
and m = average order value. smbcore.customer_value uses their outputs as features of its learned spend model.
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import minimize
from scipy.special import digamma, gammaln, hyp2f1

_START_BG = np.log([0.5, 5.0, 0.8, 2.5])  # r, alpha, a, b (log scale); Fader-Hardie's CDNOW values are close


def _mbg_loglik(log_params: np.ndarray, xu: np.ndarray, inv: np.ndarray, t_x, big_t, w) -> tuple[float, np.ndarray]:
    """Minus the MBG/NBD log-likelihood (rows weighted by w) and its gradient in the log parameters. xu: the
    distinct repeat counts, inv: each row's index into xu (the gamma functions are worked out once per count)."""
    r, alpha, a, b = np.exp(log_params)
    x = xu[inv]
    l_t, l_tx = np.log(alpha + big_t), np.log(alpha + t_x)
    a4 = np.log(a) - np.log(b + x) + (r + x) * (l_t - l_tx)
    const = gammaln(a + b) - gammaln(r) - gammaln(b) + r * np.log(alpha)
    per_x = gammaln(r + xu) + gammaln(b + xu + 1) - gammaln(a + b + xu + 1)
    ll = const + per_x[inv] - (r + x) * l_t + np.logaddexp(a4, 0.0)
    s = 1.0 / (1.0 + np.exp(-a4))  # d log(1 + e^a4) / d a4
    psi_abx = digamma(a + b + xu + 1)[inv]
    d_r = digamma(r + xu)[inv] - digamma(r) + np.log(alpha) - l_t + s * (l_t - l_tx)
    d_alpha = r / alpha - (r + x) / (alpha + big_t) + s * (r + x) * (1 / (alpha + big_t) - 1 / (alpha + t_x))
    d_a = digamma(a + b) - psi_abx + s / a
    d_b = digamma(a + b) + digamma(b + xu + 1)[inv] - digamma(b) - psi_abx - s / (b + x)
    grad = np.array([(d_r * w).sum(), (d_alpha * w).sum(), (d_a * w).sum(), (d_b * w).sum()]) * np.array(
        [r, alpha, a, b]
    )
    # a small pull towards the starting values keeps the fit finite on tiny or degenerate shops
    pull = 1e-3 * max(w.sum(), 1) ** 0.5
    offset = log_params - _START_BG
    return -float((ll * w).sum()) + pull * float(offset @ offset), -grad + 2 * pull * offset


def fit_mbgnbd(x, t_x, big_t) -> np.ndarray:
    """MBG/NBD parameters (r, alpha, a, b) by maximum likelihood (customers with the same history are counted
    once, with a weight: many share one)."""
    rows = np.round(np.column_stack([x, t_x, big_t]).astype(float), 4)
    unique, weight = np.unique(rows, axis=0, return_counts=True)
    xu, inv = np.unique(unique[:, 0], return_inverse=True)
    args = (xu, inv, unique[:, 1], unique[:, 2], weight.astype(float))
    res = minimize(_mbg_loglik, _START_BG, args=args, jac=True, method="L-BFGS-B", bounds=[(-6, 6)] * 4)
    return np.exp(res.x)


def mbgnbd_alive(params, x, t_x, big_t) -> np.ndarray:
    """Chance each customer is still a customer (has not 'dropped out'), between 0 and 1."""
    r, alpha, a, b = params
    x, t_x, big_t = (np.asarray(v, dtype=float) for v in (x, t_x, big_t))
    log_odds = np.log(a) - np.log(b + x) + (r + x) * (np.log(alpha + big_t) - np.log(alpha + t_x))
    return 1.0 / (1.0 + np.exp(np.clip(log_odds, -700, 700)))


def mbgnbd_buys_within(params, x, t_x, big_t, t: float) -> np.ndarray:
    """Chance each customer orders at least once in the next `t` time units: still a customer (mbgnbd_alive) and,
    buying at their own Poisson rate (gamma-distributed given their history: shape r + x, rate alpha + T), at
    least one order in `t` (the chance of none is ((alpha + T) / (alpha + T + t)) ** (r + x))."""
    r, alpha, a, b = params
    x, big_t = np.asarray(x, dtype=float), np.asarray(big_t, dtype=float)
    none = ((alpha + big_t) / (alpha + big_t + t)) ** (r + x)
    return mbgnbd_alive(params, x, t_x, big_t) * (1.0 - none)


def mbgnbd_expected_orders(params, x, t_x, big_t, t: float) -> np.ndarray:
    """Expected number of orders in the next `t` time units (MBG/NBD; as lifetimes' ModifiedBetaGeoFitter)."""
    r, alpha, a, b = params
    x, t_x, big_t = (np.asarray(v, dtype=float) for v in (x, t_x, big_t))
    a = a if abs(a - 1) > 1e-6 else 1 + 1e-6  # the closed form divides by a - 1
    z = t / (alpha + big_t + t)
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        head = (a + b + x) / (a - 1)
        tail = 1 - ((alpha + big_t) / (alpha + big_t + t)) ** (r + x) * hyp2f1(r + x, b + x + 1, a + b + x, z)
        out = head * tail * mbgnbd_alive((r, alpha, a, b), x, t_x, big_t)
    return np.clip(np.nan_to_num(out, nan=0.0, posinf=0.0), 0.0, None)


def _gg_loglik(log_params: np.ndarray, x: np.ndarray, m: np.ndarray) -> tuple[float, np.ndarray]:
    """Minus the Gamma-Gamma log-likelihood and its gradient in the log parameters."""
    p, q, v = np.exp(log_params)
    log_xmv = np.log(x * m + v)
    common = digamma(p * x + q)
    grad = np.array(
        [
            p * np.sum(x * (common - digamma(p * x) + np.log(m) + np.log(x) - log_xmv)),
            q * np.sum(common - digamma(q) + np.log(v) - log_xmv),
            v * np.sum(q / v - (p * x + q) / (x * m + v)),
        ]
    )
    ll = (
        gammaln(p * x + q)
        - gammaln(p * x)
        - gammaln(q)
        + q * np.log(v)
        + (p * x - 1) * np.log(m)
        + p * x * np.log(x)
        - (p * x + q) * log_xmv
    )
    return -float(ll.sum()), -grad


def fit_gamma_gamma(x, m) -> np.ndarray:
    """Gamma-Gamma parameters (p, q, v) from customers with at least one order (x = orders, m = their average
    order value > 0). The value unit is rescaled to a mean of about 1 while fitting, so any currency works."""
    x, m = np.asarray(x, dtype=float), np.asarray(m, dtype=float)
    keep = (x > 0) & (m > 0) & np.isfinite(m)
    if keep.sum() < 2:
        return np.array([1.0, 2.0, max(float(np.nanmean(m[keep])) if keep.any() else 1.0, 1e-9)])
    scale = float(np.mean(m[keep]))
    start = np.log([5.0, 3.0, 15.0 / 35.0])
    res = minimize(
        _gg_loglik, start, args=(x[keep], m[keep] / scale), jac=True, method="L-BFGS-B", bounds=[(-6, 8)] * 3
    )
    p, q, v = np.exp(res.x)
    return np.array([p, max(q, 1.0 + 1e-3), v * scale])


def gamma_gamma_value(params, x, m) -> np.ndarray:
    """Expected average order value: a weighted mix of the customer's own average (m, for x orders) and the
    population mean; customers with no usable orders get the population mean."""
    p, q, v = params
    x, m = np.asarray(x, dtype=float), np.nan_to_num(np.asarray(m, dtype=float), nan=0.0)
    x = np.where(m > 0, x, 0.0)
    population = p * v / (q - 1)
    weight = p * x / (p * x + q - 1)
    return (1 - weight) * population + weight * m
