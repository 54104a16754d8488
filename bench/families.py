"""Speed and memory of the SSM families (book Part V) and of their parallel scans against sequential loops.

    python bench/families.py [--size 8 128 64 4096] [--rounds 3] [--device cpu|cuda] [--out results/bench-families-DEVICE.json]

At (B, H, N, L) = (8, 128, 64, 4096) (--size), from one run:
  * each family's layer, forward + backward of mean(y^2) on a random input r(B H L): S4D (fssm.S4DLayer,
    N modes per channel), S4 (DPLR, N modes per channel), S5 (P = N modes shared by the H channels; its scan
    and its convolution form), selective (S6 mixer, complex and real A, N modes per channel; the chunked
    parallel scan);
  * peak resident memory of one such step in a fresh process, minus a process that builds the same layer
    and input but takes no step (CPU; CUDA: torch.cuda.max_memory_allocated above the allocation before);
  * the parallel scans against their sequential references, forward + backward, timed side by side in the
    same rounds: `linear_scan` vs `linear_scan_reference` on S5's recurrence x c(B P L) with a constant in
    time, and `selective_scan` vs `selective_scan_reference` on the selective mixer's (delta, A, B, C).
Times are medians over --rounds interleaved rounds (each round visits every case once, so that slow drifts
of the machine's load hit all cases alike), each sample one torch.utils.benchmark Timer run of a single
step after a warm-up step (a step takes seconds, so repeats within a sample buy nothing).
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
from fssm.families import s4, s5, scan, selective  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from kernel_layer import _peak_rss_bytes  # noqa: E402  (VmHWM: the high-water mark a fresh process reached)

SIZE = (8, 128, 64, 4096)  # (B, H, N, L), the benchmark size
ROUNDS = 3
FAMILIES = ("s4d", "s4", "s5-scan", "s5-conv", "selective", "selective-real")


def make_layer(family: str, H: int, N: int, device) -> torch.nn.Module:
    """The family's layer with its defaults (seeded), on `device`."""
    fssm.seed_everything(0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", fssm.AliasingWarning)  # the default inits alias at dt_max = 0.1
        if family == "s4d":
            layer = fssm.S4DLayer(H, N)
        elif family == "s4":
            layer = s4.S4Layer(H, N)
        elif family in ("s5-scan", "s5-conv"):
            layer = s5.S5Layer(H, N, mode=family.split("-")[1])
        elif family in ("selective", "selective-real"):
            layer = selective.SelectiveSSM(H, N, complex=family == "selective")
        else:
            raise ValueError(f"family must be one of {FAMILIES}, got {family!r}")
    return layer.to(device)


def make_input(size, device) -> torch.Tensor:
    Bsz, H, _, L = size
    return torch.randn(Bsz, H, L, generator=torch.Generator().manual_seed(1)).to(device)


def layer_step(layer, u) -> None:
    layer(u).square().mean().backward()


def scan_cases(size, device) -> dict:
    """{name: (stmt, globals)} of the scans and their references, forward + backward."""
    Bsz, H, N, L = size
    g = torch.Generator().manual_seed(2)
    # S5's recurrence: x_t = Abar x_{t-1} + Bbar u_t with Abar c(P 1) constant in time, b c(B P L)
    a = torch.polar(torch.full((N, 1), 0.999), torch.rand(N, 1, generator=g)).to(device).requires_grad_(True)
    b = torch.randn(Bsz, N, L, 2, generator=g).to(device)
    b = torch.view_as_complex(b).requires_grad_(True)
    # the selective mixer's scan at its initialization, on a random input
    mixer = make_layer("selective", H, N, device)
    u = make_input(size, device)
    with torch.no_grad():
        delta, Bm, Cm = mixer.selection(u)
        A = mixer.ssm()["A"]
    sel = [t.detach().requires_grad_(True) for t in (u, delta, A, Bm, Cm)]
    env = {"scan": scan, "selective": selective, "a": a, "b": b, "sel": sel}
    return {
        "linear_scan": ("scan.linear_scan(a, b).abs().square().mean().backward()", env),
        "linear_scan_reference": ("scan.linear_scan_reference(a, b).abs().square().mean().backward()", env),
        "selective_scan": ("selective.selective_scan(*sel, check=False).square().mean().backward()", env),
        "selective_scan_reference": ("selective.selective_scan_reference(*sel).square().mean().backward()", env),
    }


def interleaved_medians(cases: dict, rounds: int, threads: int) -> dict:
    """Median seconds of one call of each case over `rounds` rounds that visit every case in turn."""
    samples = {name: [] for name in cases}
    for stmt, env in cases.values():  # warm-up: allocator, .grad buffers, first-call costs
        exec(stmt, dict(env))
    for _ in range(rounds):
        for name, (stmt, env) in cases.items():
            timer = benchmark.Timer(stmt=stmt, globals=env, num_threads=threads)
            samples[name].append(timer.timeit(1).median)
    return {name: statistics.median(v) for name, v in samples.items()}


def peak_memory_child(family: str, size, step: bool) -> int:
    """In a fresh process: VmHWM after building the layer and input and, if `step`, one step."""
    layer = make_layer(family, size[1], size[2], torch.device("cpu"))
    u = make_input(size, torch.device("cpu"))
    if step:
        layer_step(layer, u)
    return _peak_rss_bytes()


def cpu_peak_memory(family: str, size) -> float:
    """Bytes: peak of a process taking one step minus that of a process that only builds (fresh processes)."""
    def run(step: bool) -> int:
        cmd = [sys.executable, os.path.abspath(__file__), "--child", family, str(int(step)),
               "--size", *map(str, size)]
        out = subprocess.run(cmd, capture_output=True, text=True, check=True)
        return int(out.stdout.strip().splitlines()[-1])

    return float(run(True) - run(False))


def cuda_peak_memory(family: str, size, device) -> float:
    layer, u = make_layer(family, size[1], size[2], device), make_input(size, device)
    torch.cuda.synchronize(device)
    torch.cuda.reset_peak_memory_stats(device)
    base = torch.cuda.memory_allocated(device)
    layer_step(layer, u)
    torch.cuda.synchronize(device)
    return float(torch.cuda.max_memory_allocated(device) - base)


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--size", nargs=4, type=int, default=list(SIZE), metavar=("B", "H", "N", "L"))
    p.add_argument("--families", nargs="+", default=list(FAMILIES), choices=FAMILIES)
    p.add_argument("--rounds", type=int, default=ROUNDS, help="interleaved timing rounds")
    p.add_argument("--device", default=None)
    p.add_argument("--no-memory", action="store_true", help="skip the peak-memory processes (quick checks)")
    p.add_argument("--out", default=None, help="write the measurements as JSON here")
    p.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.rounds < 1 or min(args.size) < 1:
        p.error("--rounds and every --size value must be >= 1")
    return args


def main(argv=None):
    args = parse_args(argv)
    size = tuple(args.size)
    if args.child:
        print(peak_memory_child(args.child[0], size, bool(int(args.child[1]))))
        return None
    device = fssm.get_device(args.device)
    threads = torch.get_num_threads()
    started, load_start = time.perf_counter(), os.getloadavg()[0]
    from fssm.experiments.common import git_commit, provenance, write_results

    commit = git_commit()
    layers, inputs = {}, {}
    for family in args.families:
        layers[family] = make_layer(family, size[1], size[2], device)
        inputs[family] = make_input(size, device)
    cases = {f: ("step(layer, u)", {"step": layer_step, "layer": layers[f], "u": inputs[f]}) for f in args.families}
    cases.update(scan_cases(size, device))
    seconds = interleaved_medians(cases, args.rounds, threads)
    del layers, inputs
    memory = {}
    if not args.no_memory:
        for family in args.families:
            memory[family] = (cuda_peak_memory(family, size, device) if device.type == "cuda"
                              else cpu_peak_memory(family, size))
    ratios = {"linear_scan": seconds["linear_scan_reference"] / seconds["linear_scan"],
              "selective_scan": seconds["selective_scan_reference"] / seconds["selective_scan"]}
    B_, H_, N_, L_ = size
    print(f"(B, H, N, L) = {size}, {device}, {threads} threads, medians of {args.rounds} rounds, forward + backward:")
    for f in args.families:
        mem = f", peak memory {memory[f] / 2 ** 30:.2f} GiB" if f in memory else ""
        print(f"  {f:15s} {seconds[f]:8.3f} s{mem}")
    for name, r in ratios.items():
        print(f"  {name}: {seconds[name]:.3f} s, sequential reference {seconds[name + '_reference']:.3f} s "
              f"(reference / parallel = {r:.2f})")
    load_end = os.getloadavg()[0]
    payload = {"size": {"B": B_, "H": H_, "N": N_, "L": L_}, "threads": threads, "rounds": args.rounds,
               "seconds": seconds, "peak_memory_bytes": memory, "scan_speedup": ratios,
               "load_average": {"start": load_start, "end": load_end}}
    if args.out:
        name = torch.cuda.get_device_name(device) if device.type == "cuda" else "cpu"
        payload.update(provenance("bench", None, {"size": list(size), "device_detail": name,
                                                  "families": args.families}, time.perf_counter() - started,
                                  device, commit))
        print(f"wrote {write_results(args.out, payload)}")
    return payload


if __name__ == "__main__":
    main()
