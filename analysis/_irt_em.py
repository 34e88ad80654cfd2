"""Private engine for :mod:`analysis.irt`: item response functions and Bock–Aitkin MML-EM.

Everything here works on numpy arrays; validation and the DataFrame API live in
``analysis/irt.py``.

Internal (slope–intercept) parameterisation per item, logistic metric (D = 1), latent
theta ~ N(0, 1) approximated on ``Q`` equally spaced quadrature nodes:

* ``rasch``: ``eta = [d]``;            P(x=1) = logistic(theta + d)
* ``1pl``:   ``eta = [a, d]``, ``a`` shared by all items (tied in the M-step)
* ``2pl``:   ``eta = [a, d]``;         P(x=1) = logistic(a theta + d)
* ``3pl``:   ``eta = [a, d, logit c]``; P(x=1) = c + (1 - c) logistic(a theta + d)
* ``grm``:   ``eta = [a, d1, log(d1 - d2), ..., log(d_{m-1} - d_m)]``;
  P(x >= k) = logistic(a theta + d_k), so the d_k are decreasing by construction
  (Samejima 1969).
* ``pcm``:   ``eta = [d1, ..., dm]``;   P(x = k) ∝ exp(k theta + d1 + ... + dk)
  (Masters 1982, slope fixed at 1).

The IRT difficulties reported to users are b = -d / a (and b_k = -d_k / a).

The EM algorithm is Bock & Aitkin (1981): the E-step gives, per item, the expected number
of candidates in each score category at each quadrature node (``r[j, k, q]``); the M-step
maximises ``sum_k sum_q r[j, k, q] log P_jk(theta_q)`` per item by damped Newton steps with
finite-difference derivatives (vectorised over all items of the same shape). Missing
responses contribute nothing to an item's counts nor to a candidate's likelihood, which is
the "missing at random / not presented" treatment of Mislevy & Wu (1996).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray
from scipy.linalg import cho_solve
from scipy.special import expit, log_expit

__all__: list[str] = []

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

DICHOTOMOUS = ("rasch", "1pl", "2pl", "3pl")
POLYTOMOUS = ("grm", "pcm")
_LOG_FLOOR = -745.0  # log of the smallest positive double; keeps log(0) finite


def quadrature(n_points: int = 61, bound: float = 6.0) -> tuple[FloatArray, FloatArray]:
    """Equally spaced nodes on [-bound, bound] with normalised N(0, 1) weights (as mirt)."""
    nodes = np.linspace(-bound, bound, n_points)
    weights = np.exp(-0.5 * nodes**2)
    return nodes, weights / weights.sum()


def n_eta(model: str, n_cat: int) -> int:
    """Number of internal parameters of one item with ``n_cat`` categories."""
    return {"rasch": 1, "1pl": 2, "2pl": 2, "3pl": 3, "grm": n_cat, "pcm": n_cat - 1}[model]


def log_prob(model: str, eta: FloatArray, theta: FloatArray) -> FloatArray:
    """Log category probabilities, shape (items, categories, len(theta)).

    ``eta`` has shape (items, n_eta); all items share the number of categories implied by
    ``eta``'s width for ``grm``/``pcm`` (two for the dichotomous models).
    """
    theta = np.asarray(theta, dtype=float)
    if model in DICHOTOMOUS:
        if model == "rasch":
            z = theta[None, :] + eta[:, 0:1]
        else:
            z = eta[:, 0:1] * theta[None, :] + eta[:, 1:2]
        if model == "3pl":
            c = expit(eta[:, 2:3])
            p1 = c + (1.0 - c) * expit(z)
            p1 = np.clip(p1, 1e-300, 1.0 - 1e-16)
            return np.stack([np.log1p(-p1), np.log(p1)], axis=1)
        return np.stack([log_expit(-z), log_expit(z)], axis=1)
    if model == "grm":
        a = eta[:, 0:1]
        d = np.concatenate(
            [eta[:, 1:2], eta[:, 1:2] - np.cumsum(np.exp(eta[:, 2:]), axis=1)], axis=1
        )
        # cumulative P(x >= k), k = 0..m+1 with P(x >= 0) = 1 and P(x >= m+1) = 0
        star = expit(a[:, :, None] * theta[None, None, :] + d[:, :, None])
        n_items, n_thr, n_q = star.shape
        ones = np.ones((n_items, 1, n_q))
        zeros = np.zeros((n_items, 1, n_q))
        cum = np.concatenate([ones, star, zeros], axis=1)
        p = cum[:, :-1, :] - cum[:, 1:, :]
        return np.log(np.maximum(p, 1e-300))
    if model == "pcm":
        n_items, m = eta.shape
        k = np.arange(m + 1, dtype=float)
        cum_d = np.concatenate([np.zeros((n_items, 1)), np.cumsum(eta, axis=1)], axis=1)
        z = k[None, :, None] * theta[None, None, :] + cum_d[:, :, None]
        z -= z.max(axis=1, keepdims=True)
        return z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    raise ValueError(f"unknown model {model!r}")


@dataclass
class Group:
    """Items that share a number of categories (estimated together, vectorised)."""

    items: IntArray  # column positions in the response matrix
    n_cat: int
    eta: FloatArray  # (len(items), n_eta)


@dataclass
class EmResult:
    """Converged state of the EM algorithm."""

    groups: list[Group]
    loglik: float
    iterations: int
    converged: bool
    posterior: FloatArray  # (persons, Q), normalised
    nodes: FloatArray
    weights: FloatArray
    history: list[float] = field(default_factory=list)


class Data:
    """Response matrix with one-hot indicator matrices per category (missing = all zero)."""

    def __init__(self, y: IntArray, n_cat: IntArray) -> None:
        self.y = y  # (N, J); -1 = missing
        self.n_cat = n_cat
        k_max = int(n_cat.max())
        self.indicators = [(y == k).astype(float) for k in range(k_max)]
        # contiguous transposes: BLAS on a transposed view was ~100x slower here
        self.indicators_t = [np.ascontiguousarray(ind.T) for ind in self.indicators]


def full_log_prob(
    model: str, groups: list[Group], n_items: int, k_max: int, theta: FloatArray
) -> FloatArray:
    """(J, k_max, Q) log-probabilities; categories an item lacks get 0 (never indexed)."""
    out = np.zeros((n_items, k_max, theta.size))
    for g in groups:
        out[g.items, : g.n_cat, :] = log_prob(model, g.eta, theta)
    return out


def e_step(
    data: Data, logp: FloatArray, log_w: FloatArray
) -> tuple[FloatArray, FloatArray, float]:
    """Posterior over nodes per person, expected counts r[j, k, q] and the marginal loglik.

    log L_iq = sum_j sum_k 1[x_ij = k] log P_jk(theta_q): one matrix product per category.
    """
    ll = np.zeros((data.y.shape[0], logp.shape[2]))
    for k, ind in enumerate(data.indicators):
        ll += ind @ logp[:, k, :]
    ll += log_w[None, :]
    mx = ll.max(axis=1, keepdims=True)
    post = np.exp(ll - mx)
    tot = post.sum(axis=1, keepdims=True)
    post /= tot
    loglik = float((np.log(tot) + mx).sum())
    counts = np.stack([ind_t @ post for ind_t in data.indicators_t], axis=1)
    return post, counts, loglik


def _objective(
    model: str, eta: FloatArray, r: FloatArray, nodes: FloatArray, c_prior: tuple[float, float] | None
) -> FloatArray:
    """Expected complete-data log-likelihood per item (plus the log prior on c for 3PL)."""
    val = (r * log_prob(model, eta, nodes)).sum(axis=(1, 2))
    if model == "3pl" and c_prior is not None:
        alpha, beta = c_prior
        # Beta(alpha, beta) density on c, written in logit(c): log c = log_expit(l).
        val = val + (alpha - 1.0) * log_expit(eta[:, 2]) + (beta - 1.0) * log_expit(-eta[:, 2])
    return val


def _derivatives(
    fun, eta: FloatArray, h: float = 1e-4
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Value, gradient and Hessian of a vectorised per-item function by central differences."""
    n, p = eta.shape
    f0 = fun(eta)
    grad = np.zeros((n, p))
    hess = np.zeros((n, p, p))
    fp = np.zeros((n, p))
    fm = np.zeros((n, p))
    for i in range(p):
        e = np.zeros(p)
        e[i] = h
        fp[:, i] = fun(eta + e)
        fm[:, i] = fun(eta - e)
        grad[:, i] = (fp[:, i] - fm[:, i]) / (2 * h)
        hess[:, i, i] = (fp[:, i] - 2 * f0 + fm[:, i]) / h**2
    for i in range(p):
        for j in range(i + 1, p):
            e = np.zeros(p)
            e[i] = h
            e[j] = h
            fpp = fun(eta + e)
            fmm = fun(eta - e)
            # d2f/didj = (f(+i+j) - f(+i) - f(+j) + 2 f0 - f(-i) - f(-j) + f(-i-j)) / (2 h^2)
            v = (fpp - fp[:, i] - fp[:, j] + 2 * f0 - fm[:, i] - fm[:, j] + fmm) / (2 * h**2)
            hess[:, i, j] = v
            hess[:, j, i] = v
    return f0, grad, hess


def newton_step(
    fun, eta: FloatArray, max_halvings: int = 20
) -> FloatArray:
    """One damped Newton ascent step per item (rows of ``eta``), keeping only improvements."""
    f0, grad, hess = _derivatives(fun, eta)
    p = eta.shape[1]
    step = np.zeros_like(eta)
    for i in range(eta.shape[0]):
        h = -hess[i]
        # Levenberg damping keeps the step an ascent direction when -H is not positive
        # definite. The step is solved with the Cholesky factor itself: a runaway slope gives a
        # nearly rank-one -H that passes Cholesky yet makes an LU solve report "singular".
        # If no damping helps, the item keeps its values this step.
        lam = 0.0
        for _ in range(30):
            try:
                factor = np.linalg.cholesky(h + lam * np.eye(p))
                candidate = cho_solve((factor, True), grad[i])
            except np.linalg.LinAlgError:
                candidate = None
            if candidate is not None and np.isfinite(candidate).all():
                step[i] = candidate
                break
            lam = max(2 * lam, 1e-6 * (1 + np.abs(np.diag(h)).max()))
    step = np.clip(step, -2.0, 2.0)
    new = eta + step
    scale = np.ones(eta.shape[0])
    f_new = fun(new)
    for _ in range(max_halvings):
        bad = ~(f_new >= f0 - 1e-10)
        if not bad.any():
            break
        scale[bad] *= 0.5
        new = eta + scale[:, None] * step
        f_new = fun(new)
    bad = ~(f_new >= f0 - 1e-10)
    new[bad] = eta[bad]
    return new


def m_step(
    model: str,
    groups: list[Group],
    counts: FloatArray,
    nodes: FloatArray,
    c_prior: tuple[float, float] | None,
    newton_iter: int = 2,
) -> None:
    """Update every group's ``eta`` in place (generalised EM: a few Newton steps)."""
    for g in groups:
        r = counts[g.items, : g.n_cat, :]
        if model == "1pl":
            # Intercepts per item, then the shared slope on the summed objective (ECM).
            for _ in range(newton_iter):
                a = g.eta[0, 0]

                def f_d(d: FloatArray, a: float = a) -> FloatArray:
                    e = np.column_stack([np.full(d.shape[0], a), d[:, 0]])
                    return _objective(model, e, r, nodes, None)

                g.eta[:, 1:2] = newton_step(f_d, g.eta[:, 1:2])

                def f_a(a_arr: FloatArray) -> FloatArray:
                    e = np.column_stack([np.full(g.eta.shape[0], a_arr[0, 0]), g.eta[:, 1]])
                    return np.array([_objective(model, e, r, nodes, None).sum()])

                g.eta[:, 0] = newton_step(f_a, g.eta[:1, :1])[0, 0]
            continue

        def f(e: FloatArray) -> FloatArray:
            return _objective(model, e, r, nodes, c_prior)

        for _ in range(newton_iter):
            g.eta = newton_step(f, g.eta)


def _convergence_scale(model: str, eta: FloatArray) -> FloatArray:
    """Parameters on the scale convergence is judged on: c itself rather than logit(c),
    because a lower asymptote drifting towards 0 moves without bound in logit(c)."""
    if model != "3pl":
        return eta
    return np.column_stack([eta[:, :2], expit(eta[:, 2])])


def run_em(
    model: str,
    data: Data,
    groups: list[Group],
    *,
    nodes: FloatArray,
    weights: FloatArray,
    max_iter: int,
    tol: float,
    c_prior: tuple[float, float] | None,
) -> EmResult:
    """Bock–Aitkin EM from the starting values in ``groups`` until no parameter (slopes,
    intercepts, c) changes by more than ``tol`` between iterations."""
    n_items = data.y.shape[1]
    k_max = int(data.n_cat.max())
    log_w = np.log(weights)
    history: list[float] = []
    converged = False
    it = 0
    for it in range(1, max_iter + 1):
        logp = full_log_prob(model, groups, n_items, k_max, nodes)
        _, counts, loglik = e_step(data, logp, log_w)
        history.append(loglik)
        old = [g.eta.copy() for g in groups]
        m_step(model, groups, counts, nodes, c_prior)
        change = max(
            float(np.abs(_convergence_scale(model, g.eta) - _convergence_scale(model, o)).max())
            for g, o in zip(groups, old)
        )
        if change < tol:
            converged = True
            break
    logp = full_log_prob(model, groups, n_items, k_max, nodes)
    post, _, loglik = e_step(data, logp, log_w)
    return EmResult(groups, loglik, it, converged, post, nodes, weights, history)


# ----------------------------------------------------------------------------------------
# Standard errors: observed information of the marginal likelihood
# ----------------------------------------------------------------------------------------


def _pack(model: str, groups: list[Group]) -> FloatArray:
    """Free parameters as one vector (the shared 1PL slope appears once, first)."""
    if model == "1pl":
        g = groups[0]
        return np.concatenate([[g.eta[0, 0]], g.eta[:, 1]])
    return np.concatenate([g.eta.ravel() for g in groups])


def _unpack(model: str, groups: list[Group], vec: FloatArray) -> list[Group]:
    if model == "1pl":
        g = groups[0]
        eta = np.column_stack([np.full(g.eta.shape[0], vec[0]), vec[1:]])
        return [Group(g.items, g.n_cat, eta)]
    out, pos = [], 0
    for g in groups:
        size = g.eta.size
        out.append(Group(g.items, g.n_cat, vec[pos : pos + size].reshape(g.eta.shape)))
        pos += size
    return out


def score_vector(
    model: str,
    data: Data,
    groups: list[Group],
    nodes: FloatArray,
    weights: FloatArray,
    c_prior: tuple[float, float] | None,
    h: float = 1e-5,
) -> FloatArray:
    """Gradient of the marginal log-likelihood (Fisher's identity: the gradient of the
    expected complete-data log-likelihood at the current posterior), plus the c prior."""
    n_items = data.y.shape[1]
    k_max = int(data.n_cat.max())
    logp = full_log_prob(model, groups, n_items, k_max, nodes)
    _, counts, _ = e_step(data, logp, np.log(weights))
    grads = []
    for g in groups:
        r = counts[g.items, : g.n_cat, :]
        gr = np.zeros_like(g.eta)
        for i in range(g.eta.shape[1]):
            e = np.zeros(g.eta.shape[1])
            e[i] = h
            fp = _objective(model, g.eta + e, r, nodes, c_prior)
            fm = _objective(model, g.eta - e, r, nodes, c_prior)
            gr[:, i] = (fp - fm) / (2 * h)
        grads.append(gr)
    if model == "1pl":
        gr = grads[0]
        return np.concatenate([[gr[:, 0].sum()], gr[:, 1]])
    return np.concatenate([gr.ravel() for gr in grads])


def _free_map(model: str, groups: list[Group]) -> FloatArray:
    """Matrix M with (stacked per-item parameters) = M @ (free parameters)."""
    sizes = [g.eta.size for g in groups]
    if model != "1pl":
        return np.eye(sum(sizes))
    n_items = groups[0].eta.shape[0]
    m = np.zeros((2 * n_items, n_items + 1))
    m[0::2, 0] = 1.0  # every item's slope is the shared slope
    m[1::2, 1:] = np.eye(n_items)
    return m


def louis_information(
    model: str,
    data: Data,
    groups: list[Group],
    nodes: FloatArray,
    weights: FloatArray,
    c_prior: tuple[float, float] | None,
    h: float = 1e-5,
) -> FloatArray:
    """Observed information of the marginal likelihood by Louis's (1982) identity.

    With s_i(theta) the complete-data score of candidate i at a node and the posterior
    over nodes, -d2 log L = -sum_i E[d2 log p(x_i | theta)] - sum_i Var[s_i(theta)].
    The first term is block-diagonal by item and comes from the expected counts; the
    second is sum_q G_q' diag(post_q) G_q - S'S, with G_q[i] the score at node q and S[i]
    its posterior mean. Item-level derivatives of log P are central differences.
    """
    n_items = data.y.shape[1]
    k_max = int(data.n_cat.max())
    logp = full_log_prob(model, groups, n_items, k_max, nodes)
    post, counts, _ = e_step(data, logp, np.log(weights))
    n, n_q = post.shape
    blocks: list[FloatArray] = []  # expected complete-data Hessian, per group
    derivs: list[tuple[Group, FloatArray]] = []  # d log P / d eta: (items, K, Q, p)
    for g in groups:
        r = counts[g.items, : g.n_cat, :]
        _, _, hess = _derivatives(lambda e: _objective(model, e, r, nodes, c_prior), g.eta)
        blocks.append(hess)
        p = g.eta.shape[1]
        d = np.zeros((len(g.items), g.n_cat, n_q, p))
        for i in range(p):
            e = np.zeros(p)
            e[i] = h
            d[..., i] = (log_prob(model, g.eta + e, nodes) - log_prob(model, g.eta - e, nodes)) / (2 * h)
        derivs.append((g, d))
    sizes = [g.eta.size for g in groups]
    total = sum(sizes)
    info = np.zeros((total, total))
    pos = 0
    for g, hess in zip(groups, blocks):
        p = g.eta.shape[1]
        for r_, _ in enumerate(g.items):
            sl = slice(pos + r_ * p, pos + (r_ + 1) * p)
            info[sl, sl] -= hess[r_]
        pos += g.eta.size
    # G_q for every node: (N, total) built from the derivative tables and the responses
    s_mean = np.zeros((n, total))
    second = np.zeros((total, total))
    ys = [np.maximum(data.y[:, g.items], 0) for g, _ in derivs]
    oks = [(data.y[:, g.items] >= 0)[:, :, None] for g, _ in derivs]
    item_idx = np.arange(n_items)
    for q in range(n_q):
        g_q = np.zeros((n, total))
        pos = 0
        for (g, d), y, ok in zip(derivs, ys, oks):
            # vals[i, j, :] = d log P_j(x_ij, theta_q) / d eta_j, zero where x_ij is missing
            vals = d[:, :, q, :][item_idx[: y.shape[1]][None, :], y, :] * ok
            g_q[:, pos : pos + g.eta.size] = vals.reshape(n, -1)
            pos += g.eta.size
        wq = post[:, q]
        s_mean += wq[:, None] * g_q
        second += (g_q * wq[:, None]).T @ g_q
    info -= second - s_mean.T @ s_mean
    m = _free_map(model, groups)
    info = m.T @ info @ m
    return 0.5 * (info + info.T)


def observed_information(
    model: str,
    data: Data,
    groups: list[Group],
    nodes: FloatArray,
    weights: FloatArray,
    c_prior: tuple[float, float] | None,
    h: float = 1e-4,
) -> FloatArray:
    """Observed information: minus the central-difference Jacobian of the score vector,
    symmetrised (the "Richardson"/numerical-Hessian method of mirt, one order lower)."""
    vec = _pack(model, groups)
    p = vec.size
    info = np.zeros((p, p))
    for i in range(p):
        e = np.zeros(p)
        e[i] = h
        sp = score_vector(model, data, _unpack(model, groups, vec + e), nodes, weights, c_prior)
        sm = score_vector(model, data, _unpack(model, groups, vec - e), nodes, weights, c_prior)
        info[:, i] = -(sp - sm) / (2 * h)
    return 0.5 * (info + info.T)


def crossprod_information(
    model: str,
    data: Data,
    groups: list[Group],
    nodes: FloatArray,
    weights: FloatArray,
    h: float = 1e-5,
) -> FloatArray:
    """Cross-product (XPD) information sum_i s_i s_i^T of the per-candidate scores."""
    n_items = data.y.shape[1]
    k_max = int(data.n_cat.max())
    logp = full_log_prob(model, groups, n_items, k_max, nodes)
    post, _, _ = e_step(data, logp, np.log(weights))
    n = data.y.shape[0]
    blocks: list[FloatArray] = []
    for g in groups:
        y = data.y[:, g.items]
        cols = []
        for i in range(g.eta.shape[1]):
            e = np.zeros(g.eta.shape[1])
            e[i] = h
            dlog = (log_prob(model, g.eta + e, nodes) - log_prob(model, g.eta - e, nodes)) / (2 * h)
            # per person and item: sum_q post_iq dlogP_j[x_ij, q]; zero where missing
            s = np.zeros((n, len(g.items)))
            for k in range(g.n_cat):
                s += (y == k) * (post @ dlog[:, k, :].T)
            cols.append(s)
        blocks.append(np.stack(cols, axis=2).reshape(n, -1))
    scores = np.concatenate(blocks, axis=1)
    if model == "1pl":
        s = scores.reshape(n, -1, 2)
        scores = np.column_stack([s[:, :, 0].sum(axis=1), s[:, :, 1]])
    return scores.T @ scores
