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
    history: list[float] = field(default_factory=list)  # objective at each accepted point


class Data:
    """Response matrix with one-hot indicator matrices per category (missing = all zero)."""

    def __init__(self, y: IntArray, n_cat: IntArray) -> None:
        self.y = y  # (N, J); -1 = missing
        self.n_cat = n_cat
        k_max = int(n_cat.max())
        self.indicators = [(y == k).astype(float) for k in range(k_max)]
        # contiguous transposes: BLAS on a transposed view was ~100x slower here
        self.indicators_t = [np.ascontiguousarray(ind.T) for ind in self.indicators]
        self.observed = (y >= 0).astype(float)
        self.complete = bool((y >= 0).all())
        # with every cell observed, sum_k 1[x_ij = k] = 1 and category 0 needs no product
        self.observed_t = None if self.complete else np.ascontiguousarray(self.observed.T)


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

    log L_iq = sum_j sum_k 1[x_ij = k] log P_jk(theta_q)
             = sum_j o_ij log P_j0(theta_q) + sum_{k>=1} sum_j 1[x_ij = k] (log P_jk - log P_j0),
    with o_ij = 1 where x_ij is observed: one matrix product per category above 0 plus one
    for the observed pattern, which is a plain column sum when nothing is missing. The
    counts of category 0 are likewise sum_i o_ij post_iq minus the other categories'.
    """
    base = logp[:, 0, :]
    if data.complete:
        ll = np.empty((data.y.shape[0], logp.shape[2]))
        ll[:] = base.sum(axis=0) + log_w
    else:
        ll = data.observed @ base
        ll += log_w[None, :]
    for k in range(1, len(data.indicators)):
        ll += data.indicators[k] @ (logp[:, k, :] - base)
    mx = ll.max(axis=1, keepdims=True)
    post = np.exp(ll - mx)
    tot = post.sum(axis=1, keepdims=True)
    post /= tot
    loglik = float((np.log(tot) + mx).sum())
    counts = np.empty(logp.shape)
    if data.complete:
        counts[:, 0, :] = post.sum(axis=0)[None, :]
    else:
        counts[:, 0, :] = data.observed_t @ post
    for k in range(1, len(data.indicators)):
        counts[:, k, :] = data.indicators_t[k] @ post
        counts[:, 0, :] -= counts[:, k, :]
    # the subtraction can leave -1e-12 where an item has (almost) no category-0 responses
    np.maximum(counts[:, 0, :], 0.0, out=counts[:, 0, :])
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
    # all items at once when every -H is positive definite (the usual case near the optimum);
    # item by item with damping only if one is not
    try:
        batch = np.linalg.solve(-hess, grad[:, :, None])[:, :, 0]
        np.linalg.cholesky(-hess)
        todo = np.flatnonzero(~np.isfinite(batch).all(axis=1))
        step = np.where(np.isfinite(batch), batch, 0.0)
    except np.linalg.LinAlgError:
        todo = np.arange(eta.shape[0])
    for i in todo:
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


def log_prior(model: str, groups: list[Group], c_prior: tuple[float, float] | None) -> float:
    """Log of the Beta prior density on the 3PL lower asymptotes (0 for other models),
    up to a constant, in the parameterisation the EM maximises (see :func:`_objective`)."""
    if model != "3pl" or c_prior is None:
        return 0.0
    alpha, beta = c_prior
    return float(
        sum(((alpha - 1.0) * log_expit(g.eta[:, 2]) + (beta - 1.0) * log_expit(-g.eta[:, 2])).sum() for g in groups)
    )


def _em_update(
    model: str,
    data: Data,
    groups: list[Group],
    nodes: FloatArray,
    log_w: FloatArray,
    c_prior: tuple[float, float] | None,
) -> tuple[list[Group], float, float]:
    """One EM step from ``groups``: the updated groups, the objective (marginal loglik plus
    log prior) at ``groups`` and the largest parameter change (on the convergence scale)."""
    n_items = data.y.shape[1]
    k_max = int(data.n_cat.max())
    logp = full_log_prob(model, groups, n_items, k_max, nodes)
    _, counts, loglik = e_step(data, logp, log_w)
    new = [Group(g.items, g.n_cat, g.eta.copy()) for g in groups]
    m_step(model, new, counts, nodes, c_prior)
    change = max(
        float(np.abs(_convergence_scale(model, n.eta) - _convergence_scale(model, g.eta)).max())
        for n, g in zip(new, groups)
    )
    return new, loglik + log_prior(model, groups, c_prior), change


def _flat(groups: list[Group]) -> FloatArray:
    return np.concatenate([g.eta.ravel() for g in groups])


def _from_flat(groups: list[Group], vec: FloatArray) -> list[Group]:
    out, pos = [], 0
    for g in groups:
        out.append(Group(g.items, g.n_cat, vec[pos : pos + g.eta.size].reshape(g.eta.shape).copy()))
        pos += g.eta.size
    return out


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
    accelerate: bool = True,
) -> EmResult:
    """Bock–Aitkin EM from the starting values in ``groups`` until one EM step changes no
    parameter (slopes, intercepts, c) by more than ``tol``.

    With ``accelerate`` (default) the EM steps are extrapolated by SQUAREM (Varadhan &
    Roland 2008, scheme S3): from theta0, two EM steps give theta1 and theta2; with
    r = theta1 - theta0, v = theta2 - 2 theta1 + theta0 and alpha = -min(max(|r| / |v|, 1), 64)
    the next point is theta0 - 2 alpha r + alpha^2 v followed by one EM step (which keeps the
    extrapolated point on the EM path). If the objective (marginal loglik, plus the log
    prior of c for 3PL) at the extrapolated point is below the one at theta1, the cycle
    falls back to the plain EM step from theta2 (alpha = -1), so the objective never
    decreases between cycles. The stopping rule is the plain EM one, checked on every EM
    step; ``iterations`` counts EM steps (E-step plus M-step). On the 2PL 20,000 x 60
    case of benchmarks/bench_irt.py this took the EM from 58 steps to 15.
    """
    log_w = np.log(weights)
    history: list[float] = []
    converged = False
    it = 0
    current = groups

    def step(g: list[Group]) -> tuple[list[Group], float, bool]:
        nonlocal it
        new, objective, change = _em_update(model, data, g, nodes, log_w, c_prior)
        it += 1
        return new, objective, change < tol

    while it < max_iter:
        theta1, obj0, done = step(current)
        history.append(obj0)  # objective at each accepted point: never decreases
        if done or it >= max_iter or not accelerate:
            current, converged = theta1, done
            if done:
                break
            continue
        theta2, obj1, done = step(theta1)
        if done or it >= max_iter:
            current, converged = theta2, done
            break
        x0, x1, x2 = _flat(current), _flat(theta1), _flat(theta2)
        r = x1 - x0
        v = x2 - x1 - r
        rr, vv = float(r @ r), float(v @ v)
        alpha = -min(max(np.sqrt(rr / vv) if vv > 0 else 1.0, 1.0), 64.0)
        extrapolated = _from_flat(current, x0 - 2.0 * alpha * r + alpha**2 * v)
        theta3, obj3, done = step(extrapolated)
        if not np.isfinite(obj3) or obj3 < obj1 - 1e-8 * abs(obj1):
            # extrapolation overshot: plain EM step from theta2 instead
            theta3, _, done = step(theta2)
        current, converged = theta3, done
        if done:
            break
    groups = current
    logp = full_log_prob(model, groups, data.y.shape[1], int(data.n_cat.max()), nodes)
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
    """Observed information of the marginal likelihood by Louis's (1982) identity: the
    closed form of :func:`logistic_information` for rasch, 1pl and 2pl, otherwise
    :func:`louis_information_generic`."""
    if model in ("rasch", "1pl", "2pl"):
        return logistic_information(model, data, groups, nodes, weights)
    return louis_information_generic(model, data, groups, nodes, weights, c_prior, h)


def louis_information_generic(
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
        wq = post[:, q]
        # candidates whose posterior weight at this node is below 1e-14 add less than
        # 1e-14 |s|^2 each to the sums: leaving them out (most candidates at most nodes on a
        # long test) cuts the work several-fold without changing the information visibly
        rows = np.flatnonzero(wq > 1e-14)
        if rows.size == 0:
            continue
        g_q = np.empty((rows.size, total))
        pos = 0
        for (g, d), y, ok in zip(derivs, ys, oks):
            # vals[i, j, :] = d log P_j(x_ij, theta_q) / d eta_j, zero where x_ij is missing
            yr = y[rows]
            vals = d[:, :, q, :][item_idx[: yr.shape[1]][None, :], yr, :] * ok[rows]
            g_q[:, pos : pos + g.eta.size] = vals.reshape(rows.size, -1)
            pos += g.eta.size
        w_rows = wq[rows]
        s_mean[rows] += w_rows[:, None] * g_q
        g_q *= np.sqrt(w_rows)[:, None]
        second += np.dot(g_q.T, g_q)  # numpy hands A'A to BLAS syrk (half the work of gemm)
    info -= second - s_mean.T @ s_mean
    m = _free_map(model, groups)
    info = m.T @ info @ m
    return 0.5 * (info + info.T)


def _pair_weights(data: Data, post: FloatArray) -> FloatArray | None:
    """V[j, l, q] = sum_i o_ij o_il post_iq (o = observed), or None when nothing is missing
    (then V[j, l, q] = sum_i post_iq for every pair).

    Computed from whichever of the observed or the missing indicators has fewer ones: with
    m = 1 - o, o_ij o_il = 1 - m_ij - m_il + m_ij m_il, and sum_i m_ij m_il post_iq only
    needs the rows where m_ij = 1. The cost is (ones) x J x Q instead of N x J^2 x Q.
    """
    if data.complete:
        return None
    obs = data.observed
    n_items = obs.shape[1]
    use_missing = obs.sum() > 0.5 * obs.size
    ind = 1.0 - obs if use_missing else obs
    v = np.empty((n_items, n_items, post.shape[1]))
    for j in range(n_items):
        rows = np.flatnonzero(ind[:, j])
        v[j] = ind[rows].T @ post[rows]
    if use_missing:
        total = post.sum(axis=0)
        single = ind.T @ post  # sum_i m_ij post_iq
        v = total[None, None, :] - single[:, None, :] - single[None, :, :] + v
    return v


def logistic_information(
    model: str, data: Data, groups: list[Group], nodes: FloatArray, weights: FloatArray
) -> FloatArray:
    """Observed information of the marginal likelihood for rasch, 1pl and 2pl, in closed form.

    Louis's (1982) identity, -d2 log L = sum_i E[-H_i] - sum_i Var[s_i], with everything
    expectations over each candidate's posterior w_iq at the nodes t_q. For P_jq =
    logistic(a_j t_q + d_j), f_q = (t_q, 1) and o_ij = 1 where x_ij is observed, the
    complete-data score of item j is s_ijq = r_ijq f_q with r_ijq = o_ij (x_ij - P_jq), and
    its Hessian is -o_ij P_jq (1 - P_jq) f_q f_q'. Hence, with c_m(i) = sum_q w_iq t_q^m:

    * E[-H] for item j: sum_q N_jq P_jq (1 - P_jq) f_q f_q', N_jq = sum_i o_ij w_iq;
    * sum_i E[s_ij s_il'] entries sum_iq w_iq t_q^m r_ijq r_ilq (m = 0, 1, 2 for the
      (d, d), (a, d), (a, a) entries) = sum_i c_m(i) xo_ij xo_il
      - sum_i xo_ij o_il sum_q w_iq t_q^m P_lq - (the same with j and l swapped)
      + sum_q t_q^m P_jq P_lq V_jlq, V_jlq = sum_i o_ij o_il w_iq (:func:`_pair_weights`);
    * sum_i E[s_i] E[s_i]' from E[s_ij] = (xo_ij E[t] - o_ij E[P_j t], xo_ij - o_ij E[P_j]).

    This replaces a sum over nodes of N x (2J)^2 products by products of N x J x J and
    N x J x Q; it equals :func:`louis_information_generic` (tested) and a numerical
    Hessian of the marginal loglik. Rasch keeps the (d, d) block; 1pl maps (a_j = a).
    """
    n_items = data.y.shape[1]
    logp = full_log_prob(model, groups, n_items, 2, nodes)
    post, counts, _ = e_step(data, logp, np.log(weights))
    p = np.exp(logp[:, 1, :])  # (J, Q)
    t = nodes
    xo = data.indicators[1]
    obs = data.observed
    n_jq = counts.sum(axis=1)  # sum_i o_ij w_iq
    v = _pair_weights(data, post)
    total = post.sum(axis=0)
    blocks = {}
    for m in (0, 1, 2):
        tm = t**m
        c_m = post @ tm  # (N,)
        first = xo.T @ (xo * c_m[:, None])
        cross = xo.T @ (obs * (post @ (p * tm[None, :]).T))
        if v is None:
            last = (p * (tm * total)[None, :]) @ p.T
        else:
            last = np.einsum("jq,lq,jlq->jl", p * tm[None, :], p, v, optimize=True)
        blocks[m] = first - cross - cross.T + last
    # posterior means of the scores
    e_t = post @ t
    s_a = xo * e_t[:, None] - obs * (post @ (p * t[None, :]).T)
    s_d = xo - obs * (post @ p.T)
    scores = np.empty((xo.shape[0], 2 * n_items))
    scores[:, 0::2] = s_a
    scores[:, 1::2] = s_d
    info = -(scores.T @ scores)
    info[0::2, 0::2] += blocks[2]
    info[0::2, 1::2] += blocks[1]
    info[1::2, 0::2] += blocks[1].T
    info[1::2, 1::2] += blocks[0]
    info = -info
    # + E[-H]: block diagonal per item
    pq = n_jq * p * (1.0 - p)
    idx = np.arange(n_items)
    info[2 * idx, 2 * idx] += pq @ t**2
    info[2 * idx, 2 * idx + 1] += pq @ t
    info[2 * idx + 1, 2 * idx] += pq @ t
    info[2 * idx + 1, 2 * idx + 1] += pq.sum(axis=1)
    if model == "rasch":
        info = info[1::2, 1::2]
    elif model == "1pl":
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
