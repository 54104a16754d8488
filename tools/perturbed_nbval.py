"""Run the book's nbval check as another CPU would: with other floating-point code paths on this machine.

    python tools/perturbed_nbval.py [book | NOTEBOOK ...] [--probe-only] [--only NAME ...] [--out FILE]

A chapter's committed outputs were made on one CPU; CI and readers run them on others, whose vector units
(AVX-512, AVX2, none), thread counts, BLAS/FFT code paths and denormal handling change the last digits of
floating-point results. Each perturbation below switches one of those on this machine:

1. probe: a few round-off-level quantities (an FFT convolution's residue, a float64 kernel difference,
   float32 sums and products, a subnormal number) are computed under every perturbation, to show which
   one changes what;
2. nbval: every chapter is checked under each perturbation (or those named with --only) with the book's
   sanitizer, exactly as `make nbval` does.

With --out the outcome (probe table, per-perturbation pass/fail counts and wall times, provenance) is
written as JSON; Appendix B reads results/nbval-perturbed.json.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from typing import Dict, List

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# name -> (environment variables, what it stands for). FSSM_FLUSH_DENORMAL is read by the kernel start-up
# file written below (IPython runs it before every chapter) and by the probe.
PERTURBATIONS: Dict[str, tuple] = {
    "avx2": ({"ATEN_CPU_CAPABILITY": "avx2", "MKL_ENABLE_INSTRUCTIONS": "AVX2"},
             "a CPU with AVX2 but no AVX-512 (PyTorch's and MKL's kernels)"),
    "no-simd": ({"ATEN_CPU_CAPABILITY": "default", "MKL_ENABLE_INSTRUCTIONS": "SSE4_2",
                 "OPENBLAS_CORETYPE": "Prescott"},
                "scalar/SSE code paths in PyTorch, MKL (its BLAS and FFT) and NumPy's OpenBLAS"),
    "one-thread": ({"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"},
                   "a one-core machine: reductions split over fewer threads"),
    "flush-denormal": ({"FSSM_FLUSH_DENORMAL": "1"},
                       "torch.set_flush_denormal(True): subnormal numbers become zero"),
    "mkl-compatible": ({"MKL_CBWR": "COMPATIBLE"}, "MKL's conditional numerical reproducibility mode"),
}

STARTUP = """import os
if os.environ.get("FSSM_FLUSH_DENORMAL") == "1":
    import torch
    torch.set_flush_denormal(True)
"""

PROBE = r"""
import json, os, numpy as np, torch
import fssm
from fssm.layer import fft_conv
from fssm.kernel import blocked_vandermonde_kernel, vandermonde_kernel
if os.environ.get("FSSM_FLUSH_DENORMAL") == "1":
    torch.set_flush_denormal(True)
out = {"cpu capability": torch.backends.cpu.get_cpu_capability(), "threads": torch.get_num_threads()}
fssm.seed_everything(0)
L = 4096
k = fssm.S4DLayer(1, 4, dt_min=1e-3, dt_max=1e-3, activation=None, mixing=None).conv_kernel(L)[0]
u = torch.zeros(1, 1, L); u[..., -1] = 1.0
out["fft_conv residue (chapter 7)"] = fft_conv(u, k[None])[0, 0, :100].abs().max().item()
kd = fssm.S4DKernel(2, 8).double(); dA, dC = kd.discretize()
with torch.no_grad():
    out["fast vs reference kernel, float64 (Appendix A)"] = (
        blocked_vandermonde_kernel(dA, dC, 300, block=7) - vandermonde_kernel(dA, dC, 300)).abs().max().item()
g = torch.Generator().manual_seed(0)
x = torch.randn(1_000_003, generator=g)
out["float32 sum of 1e6 normals"] = x.sum().item()
A = torch.randn(256, 256, generator=g); B = torch.randn(256, 256, generator=g)
out["float32 matmul, one entry"] = (A @ B)[17, 42].item()
out["float32 rfft, one bin"] = torch.fft.rfft(x[:8192])[1234].real.item()
rng = np.random.default_rng(0)
M = rng.standard_normal((300, 300))
out["numpy float64 matmul, one entry"] = float((M @ M.T)[3, 5])
out["a subnormal float32, times 1"] = (torch.tensor(1e-40) * 1.0).item()
print(json.dumps(out))
"""


def startup_dir() -> str:
    """An IPYTHONDIR whose start-up file applies FSSM_FLUSH_DENORMAL inside every kernel nbval starts."""
    d = tempfile.mkdtemp(prefix="fssm-ipython-")
    os.makedirs(os.path.join(d, "profile_default", "startup"))
    with open(os.path.join(d, "profile_default", "startup", "00-fssm-perturb.py"), "w") as f:
        f.write(STARTUP)
    return d


def environment(extra: Dict[str, str], ipython_dir: str) -> Dict[str, str]:
    return {**os.environ, "FSSM_SCALE": "book", "IPYTHONDIR": ipython_dir, **extra}


def probe(names: List[str], ipython_dir: str) -> Dict[str, Dict]:
    """{perturbation: {quantity: value}}, 'baseline' first; values as Python numbers (full precision)."""
    table = {}
    for name in ["baseline", *names]:
        env = environment(PERTURBATIONS[name][0] if name != "baseline" else {}, ipython_dir)
        out = subprocess.run([sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, cwd=ROOT)
        if out.returncode != 0:
            raise RuntimeError(f"probe under {name} failed:\n{out.stderr}")
        table[name] = json.loads(out.stdout.strip().splitlines()[-1])
    return table


def print_probe(table: Dict[str, Dict]) -> None:
    base = table["baseline"]
    for key in base:
        print(f"{key}:")
        for name, row in table.items():
            same = "" if name == "baseline" else ("  (same)" if row[key] == base[key] else "  CHANGED")
            print(f"    {name:15s} {row[key]!r}{same}")


def run_nbval(targets: List[str], extra: Dict[str, str], ipython_dir: str) -> Dict:
    """pytest --nbval over `targets` in the given environment: counts of passed/failed cells, failures, seconds."""
    cmd = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--nbval",
           "--nbval-sanitize-with", os.path.join(ROOT, "book", "sanitize.cfg"), "--nbval-cell-timeout=900", *targets]
    t0 = time.perf_counter()
    out = subprocess.run(cmd, env=environment(extra, ipython_dir), capture_output=True, text=True, cwd=ROOT)
    seconds = time.perf_counter() - t0
    tail = out.stdout.strip().splitlines()[-1] if out.stdout.strip() else ""
    counts = {k: int(v) for v, k in re.findall(r"(\d+) (passed|failed|error|errors|skipped)", tail)}
    failures = re.findall(r"^FAILED (.+?)(?: - |$)", out.stdout, re.M)  # e.g. "book/07_sobolev.ipynb::Cell 8"
    return {"passed": counts.get("passed", 0), "failed": counts.get("failed", 0) + counts.get("error", 0)
            + counts.get("errors", 0), "failures": failures, "seconds": round(seconds, 1), "summary": tail,
            "returncode": out.returncode}


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python tools/perturbed_nbval.py", description=__doc__.split("\n")[0],
                                formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("targets", nargs="*", default=["book"], help="notebooks or folders to check")
    p.add_argument("--only", nargs="+", choices=sorted(PERTURBATIONS), default=sorted(PERTURBATIONS),
                   help="perturbations to run nbval under")
    p.add_argument("--probe-only", action="store_true", help="only the round-off probe, no nbval")
    p.add_argument("--out", default=None, help="write the outcome as JSON here (e.g. results/nbval-perturbed.json)")
    args = p.parse_args(argv)
    sys.path.insert(0, ROOT)
    from fssm.experiments.common import git_commit, provenance, write_results

    commit, started = git_commit(), time.perf_counter()
    ipython_dir = startup_dir()
    table = probe(sorted(PERTURBATIONS), ipython_dir)
    print_probe(table)
    runs = {}
    if not args.probe_only:
        for name in args.only:
            print(f"nbval under {name} ({PERTURBATIONS[name][1]}) ...", flush=True)
            runs[name] = run_nbval(args.targets, PERTURBATIONS[name][0], ipython_dir)
            print(f"  {runs[name]['summary']} in {runs[name]['seconds']:.0f} s"
                  + "".join(f"\n  FAILED {f}" for f in runs[name]["failures"]), flush=True)
    if args.out:
        payload = {"tool": "perturbed_nbval", "targets": args.targets,
                   "perturbations": {k: {"env": v[0], "stands_for": v[1]} for k, v in PERTURBATIONS.items()},
                   "probe": table, "nbval": runs,
                   **provenance("book", None, {"targets": args.targets, "only": args.only},
                                time.perf_counter() - started, "cpu", commit)}
        print("wrote", write_results(args.out, payload))
    return 0 if all(r["returncode"] == 0 for r in runs.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
