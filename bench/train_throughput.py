"""Training throughput: the jitted chunked `lax.scan` of `skillode.networks.train` against a plain Python loop.

Same model, data, optimizer (Adam 1e-3) and objective in both, for two sizes: "parity" = Fig2 ([32, 50, 2] ReLU
MLP, 10,000 rows, p2 = 0.1, full batch with a fresh permutation and mask every step; compute-bound) and "x²" =
Fig19 ([2, 100, 100, 2] SiLU MLP, 1000 rows; small enough that per-step dispatch overhead matters). Float32.
The baseline is the usual loop: one `jax.jit`-ed step function called from Python once per step. Compile time is
reported separately: for the scan it is ``T(first call) − T(second call)`` of the same run, whose second call
reuses the compiled chunks (the rate is that of the second call, which includes the per-call setup).

    python bench/train_throughput.py [--steps N] [--seeds K]
"""

from __future__ import annotations

import argparse
import time
from functools import partial

import equinox as eqx
import jax
import jax.numpy as jnp
import optax

import skillode as sk
from skillode.networks import MLP, TwoTaskRegression, domino_parity, mean_loss, train


def plain_loop(task, make_model, optimizer, steps: int, seed: int = 0):
    """Per-step Python loop around a jitted step; returns (compile+first-step seconds, steps/s)."""
    k_model, k_data, _ = jax.random.split(jax.random.key(seed), 3)
    params, static = eqx.partition(make_model(key=k_model), eqx.is_inexact_array)
    opt_state = optimizer.init(params)

    @jax.jit
    def step(params, opt_state, key):
        key, k_batch = jax.random.split(key)
        batch = task.train_batch(k_batch)

        def objective(p):
            return mean_loss(task.entry_losses(jax.vmap(eqx.combine(p, static))(batch.x), batch))

        value, grads = jax.value_and_grad(objective)(params)
        updates, opt_state = optimizer.update(grads, opt_state, params)
        return optax.apply_updates(params, updates), opt_state, key, value

    t0 = time.perf_counter()
    params, opt_state, key, value = step(params, opt_state, k_data)
    jax.block_until_ready(value)
    first = time.perf_counter() - t0
    t0 = time.perf_counter()
    for _ in range(steps):
        params, opt_state, key, value = step(params, opt_state, key)
    jax.block_until_ready(value)
    return first, steps / (time.perf_counter() - t0)


def scan_loop(task, make_model, optimizer, steps: int, chunk: int, seeds):
    """`train` with one log per chunk; returns (compile seconds, steps/s) from two identical calls."""
    run = partial(train, make_model, task, optimizer, steps=steps, seed=seeds, log_every=chunk, chunk_steps=chunk,
                  progress=False)
    t0 = time.perf_counter()
    run()
    t_first = time.perf_counter() - t0
    t0 = time.perf_counter()
    run()
    t_second = time.perf_counter() - t0
    return t_first - t_second, steps / t_second


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=1000)
    parser.add_argument("--seeds", type=int, default=8)
    args = parser.parse_args(argv)
    cases = {
        "parity": (domino_parity(key=jax.random.key(4), p2=0.1, n_samples=10_000, dtype=jnp.float32),
                   partial(MLP, (32, 50, 2), "relu", dtype=jnp.float32)),
        "x²": (TwoTaskRegression(key=jax.random.key(0), n_samples=1000, p2=0.01, dtype=jnp.float32),
               partial(MLP, (2, 100, 100, 2), "silu", dtype=jnp.float32)),
    }
    opt = sk.make_optimizer("adam", 1e-3)
    chunk = 250
    seeds = list(range(args.seeds))
    print(f"backend {jax.default_backend()}, {jax.device_count()} device(s); {args.steps} timed steps")
    for name, (task, model) in cases.items():
        c_plain, r_plain = plain_loop(task, model, opt, args.steps)
        c_scan, r_scan = scan_loop(task, model, opt, args.steps, chunk, 0)
        c_vmap, r_vmap = scan_loop(task, model, opt, args.steps, chunk, seeds)
        print(f"[{name}] plain Python loop (jit per step): {r_plain:8.1f} steps/s   "
              f"compile+first step {c_plain:5.2f} s")
        print(f"[{name}] chunked lax.scan (train):         {r_scan:8.1f} steps/s   compile ≈ {c_scan:5.2f} s")
        print(f"[{name}] chunked scan, vmap {len(seeds)} seeds:      {r_vmap * len(seeds):8.1f} seed-steps/s "
              f"({r_vmap:.1f} steps/s)   compile ≈ {c_vmap:5.2f} s")
        print(f"[{name}] ratio scan / plain loop: {r_scan / r_plain:.2f}x;  vmapped seeds / plain loop "
              f"(per seed-step): {r_vmap * len(seeds) / r_plain:.2f}x")

if __name__ == "__main__":
    main()
