"""Benchmark: a 32 x 32 (N0 x alpha) grid of 10-skill Resource models, 1000 output times, float64.

Compares, in one process, the shipped exact tau-time solution (`skillode.Exact`, through `skillode.sweep.Sweep`
and as a raw ``jit(vmap)`` kernel; table start + Halley + checked Newton correction) with

- batched numpy Euler (dt = 1, clipped at 0: the paper's scheme) and dt = 0.1, vectorised over the whole grid, and
  Euler's cost at the exact solver's accuracy (first order, extrapolated);
- diffrax Tsit5 under vmap;
- scipy LSODA in a Python loop (a subset of the grid is timed and the total extrapolated; printed as such);
- ``exact_table_halley`` below: the same table + one Halley step with nothing checked (C = I, N0 > 0 only), kept
  as the floor of what the exact path costs without its guarantees;

then the cost of a second model through `ResourceModel.states` (compiled code reused), all learning times of the
grid from the closed form against extracting them from Euler trajectories, and the closed-form learning times of
one model with n = 10^5 skills (`skillode.closed_form.mse_learning_times`, O(n^2) work in blocks of rows), run in
a child process so its peak memory (VmHWM) can be read, against the plain (n, n) sum at a size where that fits.
Compile time is kept apart: each JAX path is timed on a first call (compile + run) and later calls (run).
Prints wall times, max errors against the exact solution, and ratios; exits non-zero if an error bound fails.

Run: ``python bench/resource_sweep.py`` (a few minutes on a laptop CPU). ``--quick`` uses an 8 x 8 grid and
n = 2 * 10^4 for the large-n row; ``--lt-only`` runs only the learning-times rows (API / raw kernel ratio, target
<= 3).
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time

import diffrax
import jax
import jax.numpy as jnp
import numpy as np
import scipy.integrate

import skillode  # noqa: F401  (enables float64)
from skillode.frequencies import zipf
from skillode.resource import ResourceModel
from skillode.sweeps import Sweep
from skillode.timing import first_crossing

ETA = 2 * 3e-4 * np.sqrt(1000)
N_SKILLS = 10
THRESHOLD = 0.9


def timed(fn, *args, repeat: int = 1):
    """(result, best wall time over ``repeat`` calls)."""
    best, out = np.inf, None
    for _ in range(repeat):
        start = time.perf_counter()
        out = fn(*args)
        out = jax.block_until_ready(out)
        best = min(best, time.perf_counter() - start)
    return out, best


# ---------------------------------------------------------------------------------------------- baselines
def euler_numpy(P, N0, steps: int, dt: float = 1.0):
    """The paper's map, batched over the grid: ``l <- max(l - dt eta p l / (sum p l + N0), 0)``.

    P: (G, n), N0: (G,). Returns l at steps 1..steps, shape (G, n, steps) (dt = 1: step k is time k).
    """
    G, n = P.shape
    l = np.ones((G, n))
    out = np.empty((G, n, steps))
    N0 = N0[:, None]
    sub = int(round(1.0 / dt))
    for k in range(steps):
        for _ in range(sub):
            c = P * l
            l = np.maximum(l - (dt * ETA) * c / (c.sum(axis=1, keepdims=True) + N0), 0.0)
        out[:, :, k] = l
    return out


def lsoda_loop(P, N0, ts):
    """scipy LSODA, one model at a time (rtol 1e-10, atol 1e-12, analytic Jacobian)."""
    out = []
    for p, n0 in zip(P, N0):

        def f(t, l, p=p, n0=n0):
            c = p * l
            return -ETA * c / (c.sum() + n0)

        def jac(t, l, p=p, n0=n0):
            c = p * l
            d = c.sum() + n0
            return -ETA * (np.diag(p) / d - np.outer(c, p) / d**2)

        sol = scipy.integrate.solve_ivp(
            f, (0.0, ts[-1]), np.ones(len(p)), method="LSODA", t_eval=ts, rtol=1e-10, atol=1e-12, jac=jac
        )
        if not sol.success:
            raise RuntimeError(sol.message)
        out.append(sol.y)
    return np.stack(out)


def make_tsit5(ts, rtol=1e-10, atol=1e-12):
    def one(p, n0):
        def field(t, l, args):
            c = p * l
            return -ETA * c / (jnp.sum(c) + n0)

        sol = diffrax.diffeqsolve(
            diffrax.ODETerm(field),
            diffrax.Tsit5(),
            0.0,
            ts[-1],
            None,
            jnp.ones(p.shape[0]),
            saveat=diffrax.SaveAt(ts=ts),
            stepsize_controller=diffrax.PIDController(rtol=rtol, atol=atol),
            max_steps=200_000,
        )
        return sol.ys.T

    return jax.jit(jax.vmap(one))


# ---------------------------------------------------------------------------------------------- proposal
def exact_table_halley(p, N0, eta, ts, K: int = 1024):
    """Unchecked floor of the exact path: gate-free MSE, C = I, l0 = 1, N0 > 0, ts > 0 increasing.

    1. Tabulate ``t(tau)`` at K log-spaced ``tau`` between the bounds ``eta t_0 / (sum p + N0)`` and
       ``eta t_max / N0`` (``t(tau) >= N0 tau / eta``): K n exps, K << T n.
    2. Interpolate ``log tau`` against ``log t`` at the output times: relative error ~1e-5 for K = 1024.
    3. One Halley step (cubic convergence; ``t'``, ``t''`` come from the same exps): error -> round-off.
    4. ``l = e^{-p tau_0} e^{-p d}`` with the tiny Halley correction ``d`` by a cubic Taylor polynomial, so the
       whole solve costs ONE exp per (skill, time) plus the table — no while_loop, nothing sequential.

    Returns l of shape (n, T). Layout (n, T) and small batches (``lax.map(..., batch_size=64)``) keep the working
    set in cache: this path is memory-bound, not exp-bound. (N0 = 0 needs the finite-horizon branch of
    `skillode.solve._exact_mse`; not here. Nor is any convergence check: the shipped solver adds one, a checked
    Newton correction, the implicit derivative, general C and the N0 = 0 branch.)
    """
    pc = p[:, None]

    def t_of(tau):  # tau (M,) -> t, t', t'' (M,), E (n, M)
        E = jnp.exp(-pc * tau[None, :])
        return (
            (jnp.sum(1.0 - E, 0) + N0 * tau) / eta,
            (jnp.sum(pc * E, 0) + N0) / eta,
            -jnp.sum(pc * pc * E, 0) / eta,
            E,
        )

    lo = eta * ts[0] / (jnp.sum(p) + N0)
    hi = eta * ts[-1] / N0
    log_nodes = jnp.linspace(jnp.log(0.5 * lo), jnp.log(2.0 * hi), K)
    tau0 = jnp.exp(jnp.interp(jnp.log(ts), jnp.log(t_of(jnp.exp(log_nodes))[0]), log_nodes))
    f0, f1, f2, E = t_of(tau0)
    g = f0 - ts
    d = -2.0 * g * f1 / (2.0 * f1**2 - g * f2)
    x = -pc * d[None, :]
    return E * (1.0 + x * (1.0 + x * (0.5 + x / 6.0)))


# ---------------------------------------------------------------------------------------------- main
def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="8 x 8 grid (seconds)")
    parser.add_argument("--lsoda-subset", type=int, default=16, help="grid points timed with LSODA (extrapolated)")
    parser.add_argument("--large-n", type=int, default=None, help="skills of the large-n row (default 1e5)")
    parser.add_argument("--lt-only", action="store_true", help="only the learning-times rows (seconds)")
    parser.add_argument("--child-large-n", type=int, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child_large_n is not None:
        return _child_large_n(args.child_large_n)

    size = 8 if args.quick else 32
    N0s = np.geomspace(1e-4, 1.0, size)
    alphas = np.linspace(0.5, 3.0, size)
    ts = np.arange(1.0, 1001.0)  # 1000 output times = steps 1..1000 (Euler dt = 1 lands on them)
    G = size * size
    NN, AA = np.meshgrid(N0s, alphas, indexing="ij")
    N0_flat, alpha_flat = NN.ravel(), AA.ravel()
    P = np.stack([zipf(N_SKILLS, a) for a in alpha_flat])
    print(
        f"grid: {size} N0 (1e-4..1, log) x {size} alpha (0.5..3) = {G} models, n = {N_SKILLS} skills, "
        f"T = {ts.size} output times in [1, 1000] steps, eta = {ETA:.6g}, float64, jax {jax.__version__}, "
        f"{jax.devices()[0].platform}"
    )
    rows = []
    Pj, Nj, ts_j = jnp.asarray(P), jnp.asarray(N0_flat), jnp.asarray(ts)

    sweep = Sweep(axes={"N0": N0s, "alpha": alphas}, n=N_SKILLS, eta=ETA)
    if args.lt_only:
        learning_time_rows(sweep, P, Pj, Nj, N0_flat, ts)
        return 0

    # --- shipped exact, through the public API (Sweep: one chunk, and cache-sized chunks of 64 models)
    for chunk in sorted({G, 64}, reverse=True):
        run = lambda c=chunk: sweep.run(ts, "exact", block_size=c, progress=False, variables=("skill_level",))  # noqa: E731
        ds, t_first = timed(run)
        _, t_run = timed(run, repeat=3)
        if chunk == G:
            ref = 1.0 - ds.skill_level.values.reshape(G, N_SKILLS, -1)  # l, (G, n, T)
            t_exact = t_run
        rows.append((f"exact, Sweep.run (block_size={chunk})", t_first, t_run, 0.0))

    # --- shipped exact as a raw kernel: jit(vmap) over the grid, and lax.map in batches of 64 (cache-sized)
    def one(p, n0):
        return ResourceModel(p=p, eta=ETA, N0=n0, normalized=False).states(ts_j, "exact")

    def batched(P, N):
        return jax.lax.map(lambda x: one(*x), (P, N), batch_size=64)

    kernels = {
        "exact, raw jit(vmap) kernel": jax.jit(jax.vmap(one)),
        "exact, raw jit(lax.map, 64) kernel": jax.jit(batched),
    }
    t_kernel = np.inf
    for name, fn in kernels.items():
        out, t_first = timed(fn, Pj, Nj)
        _, t_run = timed(fn, Pj, Nj, repeat=3)
        t_kernel = min(t_kernel, t_run)
        rows.append((name, t_first, t_run, float(np.abs(np.asarray(out) - ref).max())))

    # --- unchecked floor: log-log table + one Halley step, batched with lax.map to stay in cache
    table_fn = jax.jit(
        lambda P, N: jax.lax.map(lambda pn: exact_table_halley(pn[0], pn[1], ETA, ts_j), (P, N), batch_size=64)
    )
    out, t_first = timed(table_fn, Pj, Nj)
    _, t_table = timed(table_fn, Pj, Nj, repeat=3)
    err_table = float(np.abs(np.asarray(out) - ref).max())
    rows.append(("table + 1 Halley, unchecked (C=I, N0>0 only)", t_first, t_table, err_table))

    # --- numpy Euler dt = 1 (the paper's scheme) and dt = 0.1
    eul, t_euler = timed(euler_numpy, P, N0_flat, ts.size, repeat=3)
    err_euler = float(np.abs(eul - ref).max())
    rows.append(("numpy Euler dt=1 (paper's map)", np.nan, t_euler, err_euler))
    eul10, t_euler10 = timed(euler_numpy, P, N0_flat, ts.size, 0.1)
    err_euler10 = float(np.abs(eul10 - ref).max())
    rows.append(("numpy Euler dt=0.1", np.nan, t_euler10, err_euler10))
    # Euler is first order (error ∝ dt, from the two runs above), so the exact paths' accuracy costs
    order = np.log10(err_euler / err_euler10)
    target = 1e-12
    dt_needed = (target / err_euler) ** (1.0 / order)
    name = f"numpy Euler at error {target:.0e} (dt≈{dt_needed:.0e}, extrap.)"
    rows.append((name, np.nan, t_euler / dt_needed, target))

    # --- diffrax Tsit5 under vmap
    tsit = make_tsit5(ts_j)
    out, t_first = timed(tsit, Pj, Nj)
    _, t_tsit = timed(tsit, Pj, Nj)  # one call: it takes seconds
    err_tsit = float(np.abs(np.asarray(out) - ref).max())
    rows.append(("diffrax Tsit5 vmap (rtol 1e-10)", t_first, t_tsit, err_tsit))

    # --- scipy LSODA in a Python loop, on an evenly spread subset, extrapolated to the grid
    k = min(args.lsoda_subset, G)
    idx = np.linspace(0, G - 1, k).astype(int)
    out, t_sub = timed(lsoda_loop, P[idx], N0_flat[idx], ts)
    t_lsoda = t_sub * G / k
    err_lsoda = float(np.abs(out - ref[idx]).max())
    rows.append((f"scipy LSODA loop (timed {k}, extrapolated)", np.nan, t_lsoda, err_lsoda))

    print("\ntrajectories of the whole grid (max error = max |l - l_exact| over grid, skills, times)")
    print(f"{'method':50s} {'compile [s]':>11s} {'run [s]':>10s} {'max error':>10s} {'vs Euler dt=1':>14s}")
    for name, first, t, err in rows:
        compile_s = "—" if np.isnan(first) else f"{max(first - t, 0.0):.3f}"
        print(f"{name:50s} {compile_s:>11s} {t:10.4g} {err:10.2e} {t_euler / t:13.3g}x")
    dt_9 = (1e-9 / err_euler) ** (1.0 / order)
    print(
        f"\nEuler convergence order {order:.2f}; error <= {target:.0e} needs dt ≈ {dt_needed:.1e}: "
        f"~{t_euler / dt_needed:.1e} s (<= 1e-9, about Tsit5/LSODA here: ~{t_euler / dt_9:.1e} s) vs {t_exact:.3f} s "
        f"for Sweep.run and {t_kernel:.3f} s for the raw exact kernel"
    )

    # --- one more model through ResourceModel.states: the compiled kernel is reused
    times = []
    for n0 in (0.01, 0.02, 0.03):
        model = ResourceModel(p=zipf(N_SKILLS, 1.5), eta=ETA, N0=n0)
        _, t_one = timed(lambda m=model: m.states(ts, "exact"))
        times.append(t_one)
    print(
        f"\nResourceModel.states, one model, T = {ts.size}: first model {times[0]:.3f} s (compile), "
        f"next models {times[1] * 1e3:.1f} / {times[2] * 1e3:.1f} ms (same shapes: no recompile)"
    )

    learning_time_rows(sweep, P, Pj, Nj, N0_flat, ts)

    # --- learning times of one model with very many skills: bounded memory (child process for its peak memory)
    n_large = args.large_n or (20_000 if args.quick else 100_000)
    large = _large_n_row(n_large)
    print(f"\nclosed-form learning times of ONE model with n = {n_large} skills (Zipf 1.5, N0 = 0), O(n^2) work:")
    print(
        f"  chunked (shipped): compile {large['compile_s']:.2f} s, run {large['run_s']:.1f} s, peak memory (VmHWM "
        f"of the process) {large['max_rss_mb']:.0f} MB; every time finite and increasing: {large['ok']}"
    )
    n_cmp = 10_000
    cmp = _large_n_row(n_cmp, plain=True)
    print(
        f"  at n = {n_cmp}: chunked {cmp['run_s']:.2f} s / {cmp['max_rss_mb']:.0f} MB vs the plain (n, n) sum "
        f"{cmp['plain_run_s']:.2f} s / {cmp['plain_max_rss_mb']:.0f} MB: {cmp['plain_run_s'] / cmp['run_s']:.2f}x "
        f"the speed, max relative difference {cmp['max_rel_diff']:.1e}"
    )

    ok = err_table <= 1e-9 and err_tsit <= 1e-8 and err_lsoda <= 1e-8 and large["ok"] and cmp["max_rel_diff"] < 1e-12
    if not ok:
        print("FAILED: an error bound was exceeded", file=sys.stderr)
    return 0 if ok else 1


def learning_time_rows(sweep, P, Pj, Nj, N0_flat, ts, rounds: int = 7, calls: int = 10) -> float:
    """Learning times of the whole grid: `Sweep.learning_times` (the API) against the raw closed-form kernel, timed
    in interleaved rounds (a change of the machine's load hits both alike), and against Euler trajectories.
    Returns the API / raw-kernel ratio of the median per-call times."""
    G = N0_flat.size
    lt = lambda: sweep.learning_times(THRESHOLD)  # noqa: E731
    raw = jax.jit(jax.vmap(lambda p, n0: _closed(p, n0)))
    times, t_lt_first = timed(lt)
    raw_times, _ = timed(raw, Pj, Nj)
    api_s, raw_s = [], []
    for _ in range(rounds):  # each round: the best of `calls` calls of each, one after the other
        api_s.append(timed(lt, repeat=calls)[1])
        raw_s.append(timed(raw, Pj, Nj, repeat=calls)[1])
    t_lt, t_raw = float(np.median(api_s)), float(np.median(raw_s))
    ratio = t_lt / t_raw
    spread = sorted(a / r for a, r in zip(api_s, raw_s))

    def from_euler():
        l = euler_numpy(P, N0_flat, ts.size)
        return first_crossing(1.0 - l, ts, THRESHOLD, interpolate=False)

    eul_times, t_from_euler = timed(from_euler)
    found = np.isfinite(eul_times)
    closed_flat = times.values.reshape(G, N_SKILLS)
    gap = float(np.nanmax(np.abs(eul_times[found] - closed_flat[found])))
    print("\nlearning times of the whole grid (threshold 0.9)")
    print(
        f"  closed form, Sweep.learning_times: first call {t_lt_first:.4f} s, then {t_lt * 1e3:.2f} ms "
        f"(all {G * N_SKILLS} times, none censored)"
    )
    print(f"  closed form, raw jit(vmap) kernel:  {t_raw * 1e6:.0f} us")
    print(
        f"  API / raw kernel: {ratio:.1f}x (target <= 3; medians of {rounds} interleaved rounds, each the best of "
        f"{calls} calls; per-round ratios {spread[0]:.1f}..{spread[-1]:.1f})"
    )
    print(
        f"  Euler dt=1 trajectories + first crossing: {t_from_euler:.3f} s, finds {int(found.sum())} of "
        f"{found.size} within 1000 steps (the rest need up to {np.nanmax(closed_flat):.3g} steps)"
    )
    print(f"  max |t_euler_first_step - t_closed| on the found ones: {gap:.2f} steps (discrete map vs ODE)")
    steps_all = float(np.ceil(np.nanmax(closed_flat)))
    t_euler_all = t_from_euler * steps_all / ts.size  # Euler cost is linear in the number of steps
    print(f"  Euler for ALL times would run {steps_all:.0f} steps: ~{t_euler_all:.1f} s (extrapolated linearly)")
    print(
        f"  speed-up vs Euler over 1000 steps (censored): {t_from_euler / t_lt:.0f}x (API), "
        f"{t_from_euler / t_raw:.0f}x (raw kernel)"
    )
    print(
        f"  speed-up vs Euler for all times (extrapolated): {t_euler_all / t_lt:.0f}x (API), "
        f"{t_euler_all / t_raw:.0f}x (raw kernel)"
    )
    np.testing.assert_allclose(np.asarray(raw_times), closed_flat, rtol=1e-12)
    return ratio


def _closed(p, n0):
    from skillode.closed_form import mse_learning_times

    return mse_learning_times(p, ETA, n0, THRESHOLD)


def _plain_learning_times(p, eta, N0, threshold):
    """The closed form with the whole (n, n) array at once: what `mse_learning_times` did before it was chunked."""
    eps = 1.0 - threshold
    tau = jnp.log(1.0 / eps) / p
    return (jnp.sum(-jnp.expm1(-p[None, :] * tau[:, None]), axis=1) + N0 * tau) / eta


def _peak_rss_mb() -> float:
    """This process's peak resident memory (VmHWM, reset at exec; getrusage's maxrss is not: it keeps the parent's)."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # not Linux: an upper bound


def _child_large_n(n: int) -> int:
    """Child process: time the chunked (and, with SKILLODE_BENCH_PLAIN=1, the plain) learning times of n skills."""
    import os

    from skillode.closed_form import mse_learning_times

    plain = os.environ.get("SKILLODE_BENCH_PLAIN") == "1"
    fn = _plain_learning_times if plain else mse_learning_times
    p = jnp.asarray(zipf(n, 1.5))
    start = time.perf_counter()
    compiled = jax.jit(fn).lower(p, ETA, 0.0, THRESHOLD).compile()
    compile_s = time.perf_counter() - start
    times, run_s = timed(compiled, p, ETA, 0.0, THRESHOLD)
    times = np.asarray(times)
    np.save(os.environ["SKILLODE_BENCH_OUT"], times)
    rss_mb = _peak_rss_mb()
    ok = bool(np.all(np.isfinite(times)) and np.all(np.diff(times) > 0))
    print(json.dumps({"compile_s": compile_s, "run_s": run_s, "max_rss_mb": rss_mb, "ok": ok}))
    return 0


def _large_n_row(n: int, *, plain: bool = False) -> dict:
    import os
    import tempfile

    def child(use_plain: bool):
        with tempfile.TemporaryDirectory() as tmp:
            out = os.path.join(tmp, "times.npy")
            env = {**os.environ, "SKILLODE_BENCH_OUT": out, "SKILLODE_BENCH_PLAIN": "1" if use_plain else "0"}
            proc = subprocess.run([sys.executable, __file__, "--child-large-n", str(n)], env=env, check=True,
                                  capture_output=True, text=True)
            return json.loads(proc.stdout.strip().splitlines()[-1]), np.load(out)

    row, times = child(False)
    if plain:
        ref, ref_times = child(True)
        row.update(plain_run_s=ref["run_s"], plain_max_rss_mb=ref["max_rss_mb"],
                   max_rel_diff=float(np.max(np.abs(times - ref_times) / ref_times)))
    return row


if __name__ == "__main__":
    raise SystemExit(main())
