"""Speed and memory of the S4D kernel and layer: fast path against the readable reference.

    python bench/kernel_layer.py [--lengths 1024 4096 16384] [--device cpu|cuda] [--out results/bench-DEVICE.json]

Prints, from one run, ratios measured side by side at (B, H, N) = (8, 128, 64):
  * kernel generation forward+backward time, reference / fast;
  * kernel generation peak memory, reference / fast (CPU: peak RSS of a fresh process running only that
    step, minus a baseline process; CUDA: torch.cuda.max_memory_allocated);
  * layer forward+backward time, reference / fast;
  * the floor: the same layer with its kernel given (FFT convolution, skip, GELU, GLU), and the fast
    layer's time over that floor, and the share of the fast layer's time spent outside the floor;
    on the CPU also that ratio in a child process with glibc's trimming off (NO_TRIM_ENV below).
Times are medians over 5 interleaved rounds of torch.utils.benchmark blocked_autorange (which synchronizes
CUDA on a GPU); memory is the median of 3 fresh processes.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
import warnings

import torch
import torch.utils.benchmark as benchmark

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import fssm  # noqa: E402
from fssm.layer import fft_conv  # noqa: E402

B, H, N = 8, 128, 64


def make_layer(mode: str, device):
    fssm.seed_everything(0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", fssm.AliasingWarning)  # S4D's default init aliases at dt_max
        return fssm.S4DLayer(H, N, kernel_kwargs={"mode": mode}).to(device)


def kernel_step(layer, L):
    k = layer.kernel(L)
    k.sum().backward()


def layer_step(layer, u):
    layer(u).square().mean().backward()


def floor_step(layer, u, k):
    """Everything the layer does except generating the kernel."""
    y = fft_conv(u, k) + layer.D[:, None] * u
    layer.mixing(layer.activation(y)).square().mean().backward()


def interleaved_medians(cases: dict, min_run_time: float, rounds: int = 5) -> dict:
    """Median seconds of each case over `rounds` rounds that visit every case in turn, so that slow drifts
    of the machine's load hit all cases alike. cases: {name: (stmt, globals)}."""
    samples = {name: [] for name in cases}
    for _ in range(rounds):
        for name, (stmt, env) in cases.items():
            t = benchmark.Timer(stmt=stmt, globals=env, num_threads=torch.get_num_threads())
            samples[name].append(t.blocked_autorange(min_run_time=min_run_time / rounds).median)
    return {name: statistics.median(v) for name, v in samples.items()}


def _peak_rss_bytes() -> int:
    """High-water mark of this process's resident memory. VmHWM (Linux) is reset by exec, unlike
    ru_maxrss, which a child started by fork + exec inherits from its (possibly large) parent."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def peak_memory_child(mode: str, L: int, what: str) -> int:
    """Run in a fresh process: peak resident memory (bytes) after one kernel step or none."""
    layer = make_layer(mode, torch.device("cpu"))
    if what == "kernel":
        kernel_step(layer, L)
    return _peak_rss_bytes()


def cpu_peak_memory(mode: str, L: int) -> float:
    def run(what):
        out = subprocess.run([sys.executable, __file__, "--child", mode, str(L), what],
                             capture_output=True, text=True, check=True)
        return int(out.stdout.strip().splitlines()[-1])

    vals = [run("kernel") - run("baseline") for _ in range(3)]
    return float(statistics.median(vals))


# glibc returns large freed blocks to the system; a layer step alternates the kernel's small tensors with
# the FFT's large ones, so on the CPU it pays page faults that the floor (large tensors only) does not (the
# high system time of this bench). These settings keep freed memory in the process, as jemalloc/tcmalloc
# do (PyTorch's CPU performance guide recommends them); the bench reports the ratio both ways.
NO_TRIM_ENV = {"MALLOC_MMAP_THRESHOLD_": str(2**30), "MALLOC_TRIM_THRESHOLD_": str(2**30)}


def layer_and_floor_seconds(L: int, min_run_time: float) -> dict:
    """Medians of the fast layer and its floor alone (run in a child process with NO_TRIM_ENV)."""
    layer = make_layer("fast", torch.device("cpu"))
    u = torch.randn(B, H, L)
    k = layer.kernel(L).detach().requires_grad_(True)
    return interleaved_medians({
        "layer_fast": ("layer_step(layer, u)", {"layer_step": layer_step, "layer": layer, "u": u}),
        "floor": ("floor_step(layer, u, k)", {"floor_step": floor_step, "layer": layer, "u": u, "k": k}),
    }, min_run_time)


def cpu_no_trim_ratio(L: int, min_run_time: float) -> float:
    out = subprocess.run([sys.executable, __file__, "--timing-child", str(L), str(min_run_time)],
                         capture_output=True, text=True, check=True, env={**os.environ, **NO_TRIM_ENV})
    t = json.loads(out.stdout.strip().splitlines()[-1])
    return t["layer_fast"] / t["floor"]


def cuda_peak_memory(mode: str, L: int, device) -> float:
    layer = make_layer(mode, device)
    torch.cuda.synchronize()
    torch.cuda.reset_peak_memory_stats(device)
    base = torch.cuda.memory_allocated(device)
    kernel_step(layer, L)
    torch.cuda.synchronize()
    return float(torch.cuda.max_memory_allocated(device) - base)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--lengths", nargs="+", type=int, default=[1024, 4096, 16384])
    p.add_argument("--device", default=None)
    p.add_argument("--min-run-time", type=float, default=2.0, help="seconds per case, over all rounds")
    p.add_argument("--out", default=None, help="write the measurements as JSON here")
    p.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    p.add_argument("--timing-child", nargs=2, help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.timing_child:
        print(json.dumps(layer_and_floor_seconds(int(args.timing_child[0]), float(args.timing_child[1]))))
        return
    if args.child:
        mode, L, what = args.child
        print(peak_memory_child(mode, int(L), what))
        return
    device = fssm.get_device(args.device)
    started, load_start = time.perf_counter(), os.getloadavg()[0]  # the load tells a quiet run from a busy one
    from fssm.experiments.common import git_commit

    commit = git_commit()
    name = torch.cuda.get_device_name(device) if device.type == "cuda" else f"cpu ({os.cpu_count()} cores, {torch.get_num_threads()} threads)"
    print(f"{fssm.describe_run(device=device)} | {name} | (B, H, N) = ({B}, {H}, {N})")
    rows = []
    for L in args.lengths:
        layers = {m: make_layer(m, device) for m in ("reference", "fast")}
        u = torch.randn(B, H, L, device=device)
        k = layers["fast"].kernel(L).detach().requires_grad_(True)
        cases = {}
        for m, layer in layers.items():
            cases[f"kernel_{m}"] = ("kernel_step(layer, L)", {"kernel_step": kernel_step, "layer": layer, "L": L})
            cases[f"layer_{m}"] = ("layer_step(layer, u)", {"layer_step": layer_step, "layer": layer, "u": u})
        cases["floor"] = ("floor_step(layer, u, k)", {"floor_step": floor_step, "layer": layers["fast"], "u": u, "k": k})
        t = interleaved_medians(cases, args.min_run_time)
        if device.type == "cuda":
            mem = {m: cuda_peak_memory(m, L, device) for m in ("reference", "fast")}
        else:
            mem = {m: cpu_peak_memory(m, L) for m in ("reference", "fast")}
        row = {
            "L": L, **{f"seconds_{k_}": v for k_, v in t.items()},
            "kernel_peak_bytes_reference": mem["reference"], "kernel_peak_bytes_fast": mem["fast"],
            "kernel_speedup": t["kernel_reference"] / t["kernel_fast"],
            "kernel_memory_ratio": mem["reference"] / max(mem["fast"], 1.0),
            "layer_speedup": t["layer_reference"] / t["layer_fast"],
            "layer_over_floor": t["layer_fast"] / t["floor"],
            "share_outside_floor": 1 - t["floor"] / t["layer_fast"],
        }
        if device.type == "cpu":
            row["layer_over_floor_no_trim"] = cpu_no_trim_ratio(L, args.min_run_time)
        rows.append(row)
        print(f"L={L:6d} | kernel fwd+bwd: reference/fast = {row['kernel_speedup']:6.1f}x | "
              f"kernel peak memory: reference/fast = {row['kernel_memory_ratio']:6.1f}x "
              f"({mem['reference'] / 2**20:.0f} MiB vs {mem['fast'] / 2**20:.0f} MiB) | "
              f"layer fwd+bwd: reference/fast = {row['layer_speedup']:5.2f}x | "
              f"fast layer / floor = {row['layer_over_floor']:4.2f} "
              f"({100 * row['share_outside_floor']:.0f}% of its time outside FFT conv + pointwise)"
              + (f"; with glibc trimming off: {row['layer_over_floor_no_trim']:4.2f}"
                 if "layer_over_floor_no_trim" in row else ""), flush=True)
    if args.out:
        from fssm.experiments.common import provenance, write_results

        payload = {"benchmark": "kernel_layer", "B": B, "H": H, "N": N, "rows": rows,
                   "load_average_1min": {"start": load_start, "end": os.getloadavg()[0]},
                   **provenance("bench", None, {"lengths": args.lengths, "device_detail": name},
                                time.perf_counter() - started, device, commit)}
        print("wrote", write_results(args.out, payload))


if __name__ == "__main__":
    main()
