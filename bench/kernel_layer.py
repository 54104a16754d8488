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
CUDA on a GPU); memory is the median of 3 fresh processes (--rounds and --memory-repeats change these two
counts, for quick checks only).

Memory bandwidth (on CUDA by default, elsewhere with --bandwidth): each row also records the achieved
bandwidth of the fast layer step and of the floor, bytes moved / median seconds, against the device's peak.
  * Bytes moved (`count_bytes`): one step (forward and backward, after a warm-up step so that .grad exists)
    runs under a TorchDispatchMode, which sees every ATen op below autograd, the backward's included (the
    autograd engine carries thread-local state, this mode included, to its CUDA worker thread; the
    forward's bytes are recorded as well, and tests/test_cuda.py checks on a GPU that the backward is
    seen). Each op reads each tensor input once and writes each tensor output once: bytes = sum over ops of the bytes of its distinct inputs and outputs.
    Views (slices, transposes, view_as_real, ...) move nothing; write-only arguments (copy_'s destination,
    out=) are not read; empty buffers are not written; a broadcast (stride-0) input counts its stored
    elements only. For `fft_conv` this counts the input u r(B H L) and kernel K r(H L) (read), their
    zero-padded copies r(B H n) and r(H n) (constant_pad_nd, n = n_fft >= 2L: written, then read by the
    rfft), the spectra c(B H n/2+1) and c(H n/2+1), their product, the irfft output r(B H n) of which
    [..., :L] is read by the skip term, then y, GELU, the GLU's 1x1 convolution and all of it again,
    roughly doubled, in the backward; the fast layer adds the kernel's generation (the blocked powers
    c(H sqrt(L) N) and the GEMMs' operands) and the input check of S4DLayer.forward. It is the traffic of
    this op sequence when nothing stays in cache between ops: the least that sequence must move. A GPU can
    move more (multi-pass FFTs, GEMM tiles read more than once, cuFFT/cuDNN work buffers, which the
    count does not see) and, at small L, less (a whole r(B H L) float32 tensor is 4 MiB at L = 1024 and
    fits in the L2 cache of a large GPU, 50-60 MiB), so achieved/peak above 1 means cache hits, not
    a wrong count.
  * Peak: 2 (double data rate) * memory_clock_rate (kHz) * memory_bus_width (bits) / 8 from
    torch.cuda.get_device_properties when torch exposes both attributes with positive values and the
    result is at least the measured copy bandwidth; otherwise the measured device-to-device copy bandwidth
    (2 * bytes of a large tensor / median time of dst.copy_(src): read once, written once). The source
    used is recorded (`peak_bandwidth_source`); the measured copy bandwidth is always recorded as well.
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
from typing import Optional

import torch
import torch.utils.benchmark as benchmark

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import fssm  # noqa: E402
from fssm.layer import fft_conv  # noqa: E402

B, H, N = 8, 128, 64
ROUNDS = 5  # interleaved timing rounds (--rounds)
MEMORY_REPEATS = 3  # fresh processes per CPU peak-memory measurement (--memory-repeats)


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


def interleaved_medians(cases: dict, min_run_time: float, rounds: Optional[int] = None) -> dict:
    """Median seconds of each case over `rounds` rounds (default ROUNDS) that visit every case in turn, so that
    slow drifts of the machine's load hit all cases alike. cases: {name: (stmt, globals)}."""
    rounds = rounds or ROUNDS
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

    vals = [run("kernel") - run("baseline") for _ in range(MEMORY_REPEATS)]
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
    out = subprocess.run([sys.executable, __file__, "--timing-child", str(L), str(min_run_time), "--rounds", str(ROUNDS)],
                         capture_output=True, text=True, check=True, env={**os.environ, **NO_TRIM_ENV})
    t = json.loads(out.stdout.strip().splitlines()[-1])
    return t["layer_fast"] / t["floor"]


# ----------------------------------------------------------------------------- memory bandwidth
def _stored_bytes(t: torch.Tensor) -> int:
    """Bytes of the elements a tensor holds: a broadcast (stride-0) dimension counts once."""
    n = 1
    for size, stride in zip(t.shape, t.stride()):
        if stride != 0:
            n *= size
    return n * t.element_size() if t.numel() else 0


def count_bytes(step, *args) -> dict:
    """Run `step(*args)` once under a TorchDispatchMode; bytes its ATen ops read and write (module docstring).

    Returns {"bytes": total, "by_op": {op name: bytes, largest first}}.
    """
    from torch.utils._python_dispatch import TorchDispatchMode
    from torch.utils._pytree import tree_flatten

    aten = torch.ops.aten
    free = {aten.empty.memory_format, aten.empty_strided.default, aten.empty_like.default,
            aten.new_empty.default, aten.new_empty_strided.default, aten._unsafe_view.default,
            aten.lift_fresh.default, aten._local_scalar_dense.default}
    write_only = {aten.copy_.default, aten.fill_.Scalar, aten.fill_.Tensor, aten.zero_.default}
    by_op: dict = {}

    class Counter(TorchDispatchMode):
        def __torch_dispatch__(self, func, types, args=(), kwargs=None):
            kwargs = kwargs or {}
            out = func(*args, **kwargs)
            if func.is_view or func in free:
                return out
            seen, total = set(), 0
            schema = func._schema.arguments
            named = dict(zip([a.name for a in schema], args))
            named.update(kwargs)
            skip_read = {a.name for a in schema if a.is_out or (func in write_only and a.alias_info is not None
                                                                 and a.alias_info.is_write)}
            for name, value in named.items():
                if name in skip_read:
                    continue
                for t in tree_flatten(value)[0]:
                    if isinstance(t, torch.Tensor) and id(t) not in seen:
                        seen.add(id(t))
                        total += _stored_bytes(t)
            for t in tree_flatten(out)[0]:
                if isinstance(t, torch.Tensor):
                    total += _stored_bytes(t)
            key = str(func.overloadpacket.__name__)
            by_op[key] = by_op.get(key, 0) + total
            return out

    with Counter():
        step(*args)
    by_op = dict(sorted(by_op.items(), key=lambda kv: -kv[1]))
    return {"bytes": sum(by_op.values()), "by_op": by_op}


def copy_bandwidth(device, nbytes: int, min_run_time: float = 1.0) -> float:
    """Bytes/s of dst.copy_(src) for two tensors of `nbytes` on `device`: 2 * nbytes per copy (read + write)."""
    src = torch.empty(nbytes // 4, dtype=torch.float32, device=device).uniform_()
    dst = torch.empty_like(src)
    dst.copy_(src)
    t = benchmark.Timer(stmt="dst.copy_(src)", globals={"dst": dst, "src": src}, num_threads=torch.get_num_threads())
    return 2 * src.numel() * src.element_size() / t.blocked_autorange(min_run_time=min_run_time).median


def peak_bandwidth(device, copy_bytes: Optional[int] = None) -> dict:
    """The device's peak memory bandwidth (bytes/s) and where it came from (module docstring)."""
    copy_bytes = copy_bytes or (2**30 if device.type == "cuda" else 2**26)  # far beyond the L2 / LLC
    measured = copy_bandwidth(device, copy_bytes)
    out = {"copy_bandwidth_bytes_per_s": measured, "copy_bandwidth_tensor_bytes": copy_bytes}
    if device.type == "cuda":
        props = torch.cuda.get_device_properties(device)
        clock_khz = getattr(props, "memory_clock_rate", None)
        width_bits = getattr(props, "memory_bus_width", None)
        out.update(memory_clock_rate_khz=clock_khz, memory_bus_width_bits=width_bits)
        if clock_khz and width_bits and clock_khz > 0 and width_bits > 0:
            nominal = 2.0 * clock_khz * 1e3 * width_bits / 8
            out["nominal_bandwidth_bytes_per_s"] = nominal
            if nominal >= measured:
                out.update(peak_bandwidth_bytes_per_s=nominal, peak_bandwidth_source=(
                    "torch.cuda.get_device_properties: 2 * memory_clock_rate * memory_bus_width / 8"))
                return out
            why = f"device properties give {nominal / 1e9:.0f} GB/s, below the measured copy: not used"
        else:
            why = "torch.cuda.get_device_properties has no positive memory_clock_rate and memory_bus_width"
    else:
        why = f"{device.type}: no nominal bandwidth"
    out.update(peak_bandwidth_bytes_per_s=measured,
               peak_bandwidth_source=f"measured device-to-device copy of {copy_bytes // 2**20} MiB ({why})")
    return out


def _layer_forward(layer, u):
    return layer(u).square().mean()


def _floor_forward(layer, u, k):
    y = fft_conv(u, k) + layer.D[:, None] * u
    return layer.mixing(layer.activation(y)).square().mean()


def bandwidth_fields(layer, u, k, seconds: dict, peak: dict) -> dict:
    """Row fields: bytes moved by the fast layer step and the floor, achieved bytes/s, ratio to the peak; also
    the bytes of the forward pass alone (`bytes_NAME_forward`: a step counting barely more than its forward
    would mean the backward, on the autograd engine's thread, went uncounted)."""
    layer_step(layer, u)  # warm-up: .grad exists, as in the timed steps
    floor_step(layer, u, k)
    counts = {"layer_fast": count_bytes(layer_step, layer, u), "floor": count_bytes(floor_step, layer, u, k)}
    forward = {"layer_fast": count_bytes(_layer_forward, layer, u), "floor": count_bytes(_floor_forward, layer, u, k)}
    row = {}
    for name, c in counts.items():
        achieved = c["bytes"] / seconds[name]
        row[f"bytes_{name}"] = c["bytes"]
        row[f"bytes_{name}_forward"] = forward[name]["bytes"]
        row[f"bandwidth_{name}_bytes_per_s"] = achieved
        row[f"bandwidth_{name}_over_peak"] = achieved / peak["peak_bandwidth_bytes_per_s"]
        row[f"bytes_{name}_top_ops"] = dict(list(c["by_op"].items())[:6])
    row["peak_bandwidth_bytes_per_s"] = peak["peak_bandwidth_bytes_per_s"]
    row["peak_bandwidth_source"] = peak["peak_bandwidth_source"]
    return row


def cuda_peak_memory(mode: str, L: int, device) -> float:
    layer = make_layer(mode, device)
    torch.cuda.synchronize()
    torch.cuda.reset_peak_memory_stats(device)
    base = torch.cuda.memory_allocated(device)
    kernel_step(layer, L)
    torch.cuda.synchronize()
    return float(torch.cuda.max_memory_allocated(device) - base)


def main(argv=None):
    global ROUNDS, MEMORY_REPEATS
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--lengths", nargs="+", type=int, default=[1024, 4096, 16384])
    p.add_argument("--device", default=None)
    p.add_argument("--min-run-time", type=float, default=2.0, help="seconds per case, over all rounds")
    p.add_argument("--out", default=None, help="write the measurements as JSON here")
    p.add_argument("--rounds", type=int, default=ROUNDS, help="interleaved timing rounds (fewer: quick checks only)")
    p.add_argument("--memory-repeats", type=int, default=MEMORY_REPEATS,
                   help="CPU: fresh processes per peak-memory measurement (fewer: quick checks only)")
    p.add_argument("--bandwidth", action=argparse.BooleanOptionalAction, default=None,
                   help="record achieved and peak memory bandwidth (default: on for CUDA, off elsewhere)")
    p.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    p.add_argument("--timing-child", nargs=2, help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.rounds < 1 or args.memory_repeats < 1:
        p.error("--rounds and --memory-repeats must be >= 1")
    ROUNDS, MEMORY_REPEATS = args.rounds, args.memory_repeats
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
    if commit == "unknown":  # a copy of the tree without .git (e.g. on a lent GPU machine): the caller may say
        commit = os.environ.get("FSSM_COMMIT") or commit
    name = torch.cuda.get_device_name(device) if device.type == "cuda" else f"cpu ({os.cpu_count()} cores, {torch.get_num_threads()} threads)"
    print(f"{fssm.describe_run(device=device)} | {name} | (B, H, N) = ({B}, {H}, {N})")
    bandwidth = args.bandwidth if args.bandwidth is not None else device.type == "cuda"
    peak = peak_bandwidth(device) if bandwidth else None
    if peak:
        print(f"peak memory bandwidth {peak['peak_bandwidth_bytes_per_s'] / 1e9:.0f} GB/s "
              f"({peak['peak_bandwidth_source']}); measured copy {peak['copy_bandwidth_bytes_per_s'] / 1e9:.0f} GB/s",
              flush=True)
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
        if peak:
            row.update(bandwidth_fields(layers["fast"], u, k, t, peak))
        rows.append(row)
        print(f"L={L:6d} | kernel fwd+bwd: reference/fast = {row['kernel_speedup']:6.1f}x | "
              f"kernel peak memory: reference/fast = {row['kernel_memory_ratio']:6.1f}x "
              f"({mem['reference'] / 2**20:.0f} MiB vs {mem['fast'] / 2**20:.0f} MiB) | "
              f"layer fwd+bwd: reference/fast = {row['layer_speedup']:5.2f}x | "
              f"fast layer / floor = {row['layer_over_floor']:4.2f} "
              f"({100 * row['share_outside_floor']:.0f}% of its time outside FFT conv + pointwise)"
              + (f"; with glibc trimming off: {row['layer_over_floor_no_trim']:4.2f}"
                 if "layer_over_floor_no_trim" in row else ""), flush=True)
        if peak:
            print(f"         | memory bandwidth: fast layer {row['bytes_layer_fast'] / 2**20:.0f} MiB moved, "
                  f"{row['bandwidth_layer_fast_bytes_per_s'] / 1e9:.1f} GB/s = "
                  f"{100 * row['bandwidth_layer_fast_over_peak']:.0f}% of peak | floor "
                  f"{row['bytes_floor'] / 2**20:.0f} MiB, {row['bandwidth_floor_bytes_per_s'] / 1e9:.1f} GB/s = "
                  f"{100 * row['bandwidth_floor_over_peak']:.0f}% of peak", flush=True)
    if args.out:
        from fssm.experiments.common import provenance, write_results

        payload = {"benchmark": "kernel_layer", "B": B, "H": H, "N": N, "rows": rows,
                   "load_average_1min": {"start": load_start, "end": os.getloadavg()[0]},
                   **({"bandwidth": peak} if peak else {}),
                   **provenance("bench", None, {"lengths": args.lengths, "device_detail": name,
                                                "min_run_time": args.min_run_time, "rounds": ROUNDS,
                                                "memory_repeats": MEMORY_REPEATS},
                                time.perf_counter() - started, device, commit)}
        print("wrote", write_results(args.out, payload))


if __name__ == "__main__":
    main()
