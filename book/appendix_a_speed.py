# %% [markdown]
# # Appendix A. Speed and memory of the kernel
#
# Every chapter computes the S4D kernel {cite:p}`gu2022s4d` $K_l = 2\,\mathrm{Re}\sum_j \tilde C_j \lambda_j^l$ of
# {doc}`Chapter 2 <02_lti_systems>` and convolves it with the input by FFT. The readable way to build
# $K$ materializes the Vandermonde tensor $\lambda_j^l$ of shape $(H, N, L)$: $HNL$ complex exponentials
# and as many complex numbers in memory, kept for the backward pass. At $H = 128$ channels, $N = 64$ modes
# and $L = 16384$ that is 134 million complex numbers, about 1 GiB in single precision, for one layer.
# This appendix derives the fast path that `fssm` uses by default, checks it against the readable one, and
# shows what it buys.
#
# ## Learning goals
# - Rewrite the Vandermonde sum as a matrix product over blocks of the time axis.
# - Keep the float32 kernel accurate at large $l$ by building the powers from float64 phases.
# - Write the kernel's gradient as two more matrix products, instead of letting autograd differentiate every
#   elementwise step.
# - Choose FFT sizes that FFT libraries handle fast.
# - Read the benchmark ratios of `bench/kernel_layer.py`.
#
# ## Prerequisites
# - {doc}`Chapter 2 <02_lti_systems>` (the kernel and the FFT convolution).

# %%
# Set-up: where fssm is not importable (Colab, a fresh kernel), install it from the book's
# repository; its requirements are ranges, so Colab's own PyTorch (with its GPU) is kept.
import importlib, importlib.util, shlex, subprocess, sys

PIP_INSTALL = 'pip install -q "fssm @ git+https://github.com/fssm-book/fssm"'
if importlib.util.find_spec("fssm") is None:
    subprocess.run([sys.executable, "-m", *shlex.split(PIP_INSTALL)], check=True)
    importlib.invalidate_caches()
import fssm
from fssm import plot

fssm.seed_everything(0)
plot.use_style()
print(fssm.describe_run())

# %%
import math
import warnings

import torch
from torch.utils import benchmark

from fssm.kernel import blocked_vandermonde_kernel, vandermonde_kernel
from fssm.layer import fast_fft_length

# %% [markdown]
# ## A.1 Powers by blocks: the kernel as one matrix product
#
# Pick a block length $T$ and write every time index as $l = bT + r$ with $0 \le r < T$ and
# $0 \le b < \lceil L/T \rceil$. Since $\lambda^{bT + r} = \lambda^{bT}\lambda^{r}$,
#
# $$
# \sum_{j=1}^{N} \tilde C_j \lambda_j^{\,bT + r}
#   = \sum_{j=1}^{N} \underbrace{\big(\tilde C_j \lambda_j^{\,bT}\big)}_{P_{bj}}\,
#                    \underbrace{\lambda_j^{\,r}}_{Q_{jr}}
#   = (PQ)_{br}.
# $$
#
# So for each channel the kernel, laid out as a $\lceil L/T\rceil \times T$ array, is the product of a
# $\lceil L/T\rceil \times N$ matrix $P$ and an $N \times T$ matrix $Q$. With $T = \lceil\sqrt L\,\rceil$
# both factors hold about $N\sqrt L$ numbers instead of $NL$, the contraction over the modes runs as a
# batched GEMM (the fastest kernel any CPU or GPU has), and only the $\lambda^{bT}$ and $Q$ are kept for
# the backward pass. The product $\mathrm{Re}(PQ)$ runs as one *real* GEMM over the $2N$ real and
# imaginary parts, $\mathrm{Re}(PQ)_{br} = \sum_j \mathrm{Re}P_{bj}\,\mathrm{Re}Q_{jr} - \mathrm{Im}P_{bj}\,\mathrm{Im}Q_{jr}$:
# half the arithmetic of a complex GEMM, whose imaginary part would be thrown away.
#
# **Accuracy.** In float32, the readable path computes $\lambda^l = e^{l\log\lambda}$ with a phase
# $l\arg\lambda$ whose absolute error grows like $l \cdot 10^{-7}$. The fast path needs only
# $\sim 2N\sqrt L$ powers. It builds each of the two grids ($\lambda^r$ and $\lambda^{bT}$) once more by
# blocks, as the outer product of $2\sqrt{\cdot}$ powers that it forms exactly: $e\log|\lambda|$ and
# $e\arg\lambda \bmod 2\pi$ in float64, in polar form, rounded once. Each entry then costs one float32
# complex multiplication and carries a relative error of a few units of float32's epsilon, however large $l$.

# %% [markdown]
# ```{literalinclude} ../fssm/kernel.py
# :language: python
# :pyobject: blocked_vandermonde_kernel
# ```

# %% [markdown]
# The check: on the same parameters, the fast float32 kernel agrees with the reference evaluated in
# float64 to better than $10^{-5}$ of the kernel's scale, at lengths that are and are not perfect squares, for both
# discretizations, while the float32 reference drifts further.

# %%
warnings.filterwarnings("ignore", category=fssm.AliasingWarning)  # S4D-Lin with N = 64 aliases at dt_max

def max_relative_error(disc: str, L: int):
    fssm.seed_everything(1)
    fast = fssm.S4DKernel(4, 64, disc=disc, mode="fast")
    ref32 = fssm.S4DKernel(4, 64, disc=disc, mode="reference")
    ref32.load_state_dict(fast.state_dict())
    exact = fssm.S4DKernel(4, 64, disc=disc, mode="reference").double()
    exact.load_state_dict({k: v.double() for k, v in fast.state_dict().items()})
    with torch.no_grad():
        K = exact(L)
        scale = K.abs().max()
        return ((fast(L) - K).abs().max() / scale).item(), ((ref32(L) - K).abs().max() / scale).item()

for disc in ("zoh", "bilinear"):
    for L in (1000, 4099, 16384):
        err_fast, err_ref = max_relative_error(disc, L)
        print(f"{disc:8s} L={L:5d}: fast float32 {err_fast:.1e}, reference float32 {err_ref:.1e} (of the kernel's scale)")
        assert err_fast < 1e-5 and err_fast <= err_ref

# %% [markdown]
# ## A.2 The backward pass: two more matrix products
#
# Left to autograd, the fast path would store and differentiate every elementwise step that builds the
# powers (exponentials, phases, products), each a pass over $(H, N, \sqrt L)$ tensors. Instead, `fssm`
# gives the gradient in closed form. Write $z_j = \log\lambda_j$, so $K_l = 2\,\mathrm{Re}\sum_j \tilde C_j e^{l z_j}$,
# and let $G_l = \partial\mathcal{L}/\partial K_l$ be the gradient arriving from the convolution. PyTorch's
# gradient of a real loss with respect to a complex $w$ is $\partial\mathcal{L}/\partial\,\mathrm{Re}\,w + i\,\partial\mathcal{L}/\partial\,\mathrm{Im}\,w$;
# for $K_l = 2\,\mathrm{Re}\,f(w)$ with $f$ holomorphic it is $2\,\overline{f'(w)}\,G_l$. Hence
#
# $$
# \nabla_{\tilde C_j} = 2\,\overline{\sum_l G_l\,\lambda_j^{\,l}}, \qquad
# \nabla_{z_j} = 2\,\overline{\tilde C_j \sum_l G_l\, l\,\lambda_j^{\,l}} .
# $$
#
# Both sums split over blocks exactly as the kernel did. With $G$ zero-padded and laid out as a
# $\lceil L/T\rceil \times T$ array, $M = G\,Q^{\top}$ and $M' = (G \circ r)\,Q^{\top}$ (each entry of row $b$,
# column $r$ of $G$ multiplied by $r$):
#
# $$
# \sum_l G_l\,\lambda_j^{\,l} = \sum_b \lambda_j^{\,bT} M_{bj}, \qquad
# \sum_l G_l\, l\, \lambda_j^{\,l} = \sum_b \lambda_j^{\,bT}\big(bT\, M_{bj} + M'_{bj}\big),
# $$
#
# because $l = bT + r$. One more GEMM (on $G$ and $G\circ r$ stacked) and a weighted sum over the blocks,
# on the same $\lambda^{bT}$ and $Q$ the forward pass kept. The smallest version, one channel, in
# complex128:

# %%
import torch.nn.functional as F


def kernel_gradients(lam, Ct, G, T):
    """lam, Ct: c(N); G: r(L) = dLoss/dK. Returns (grad Ct, grad z) with z = log(lam), both c(N)."""
    L = G.shape[-1]
    nb = -(-L // T)
    Gb = F.pad(G, (0, nb * T - L)).reshape(nb, T).to(lam.dtype)  # G laid out by blocks, zero-padded
    r, b = torch.arange(T), torch.arange(nb)
    Q = lam[:, None] ** r  # c(N T):  lam^r
    E = lam[:, None] ** (b * T)  # c(N nb): lam^(bT)
    M, M1 = Gb @ Q.T, (Gb * r) @ Q.T  # c(nb N): sum_r G[b, r] lam^r, and with weights r
    S0 = (E.T * M).sum(0)  # sum_l G_l lam^l
    S1 = (E.T * (b[:, None] * T * M + M1)).sum(0)  # sum_l G_l l lam^l
    return 2 * S0.conj(), 2 * (Ct * S1).conj()


# %% [markdown]
# In the library it is the `backward` of a `torch.autograd.Function`, batched over channels, with the
# complex products written as real GEMMs:
#
# ```{literalinclude} ../fssm/kernel.py
# :language: python
# :pyobject: _BlockedVandermonde
# ```
#
# The check: the closed form, the library's fast path and autograd through the readable reference give
# the same gradients (float64; block length not a divisor of $L$, so the padding is exercised).

# %%
fssm.seed_everything(2)
kern = fssm.S4DKernel(1, 8, init="legs").double()
lam, Ct = (x.detach()[0] for x in kern.discretize())
L, T = 1000, 33
G = torch.randn(L, dtype=torch.float64)

z = torch.log(lam).requires_grad_()
Cr = Ct.clone().requires_grad_()
ref_gC, ref_gz = torch.autograd.grad((vandermonde_kernel(torch.exp(z)[None], Cr[None], L)[0] * G).sum(), [Cr, z])
fast_gC, fast_gz = torch.autograd.grad(
    (blocked_vandermonde_kernel(None, Cr[None], L, block=T, log_dA=z[None])[0] * G).sum(), [Cr, z])
small_gC, small_gz = kernel_gradients(lam, Ct, G, T)
for name, ref_g, g in [("closed form, grad C~", ref_gC, small_gC), ("closed form, grad z", ref_gz, small_gz),
                       ("fssm fast,   grad C~", ref_gC, fast_gC), ("fssm fast,   grad z", ref_gz, fast_gz)]:
    err = ((g - ref_g).abs().max() / ref_g.abs().max()).item()
    assert err < 1e-10
    print(f"{name}: relative difference to autograd of the reference below 1e-10")

# %% [markdown]
# In float32 the gradients at $(\log\lambda, \tilde C)$ stay within $10^{-5}$ of their scale of the exact
# ones for every initialization, $\alpha \in \{0.1, 1, 10\}$ and $L$ up to 65536 (`tests/test_fast.py`).
# What the closed form buys in time: the cell below writes the blocked forward of A.1 in plain tensor
# operations, lets autograd differentiate every step, and times forward+backward of both at
# $(H, N, L) = (128, 64, 4096)$ in float32 on the machine that runs this chapter (so its printed times are not
# compared by the book's checks; the assertion is).

# %% tags=["nbval-ignore-output"]
def blocked_autograd(log_lam, Ct, L, T):
    """A.1's blocked kernel in plain tensor operations (autograd differentiates each): r(H L)."""
    nb = -(-L // T)
    Q = torch.exp(log_lam[..., None] * torch.arange(T))  # c(H N T): lambda^r
    P = Ct[..., None] * torch.exp(log_lam[..., None] * (T * torch.arange(nb)))  # c(H N nb): C~ lambda^{bT}
    return 2 * torch.einsum("hnb,hnt->hbt", P, Q).real.reshape(log_lam.shape[0], -1)[:, :L]


fssm.seed_everything(0)
kern_t = fssm.S4DKernel(128, 64)
lam_t, Ct_t = (x.detach() for x in kern_t.discretize())
L_t, T_t = 4096, 64
z_t, C_t = torch.log(lam_t).requires_grad_(), Ct_t.clone().requires_grad_()
K_auto, K_lib = blocked_autograd(z_t, C_t, L_t, T_t), blocked_vandermonde_kernel(None, C_t, L_t, block=T_t, log_dA=z_t)
assert ((K_auto - K_lib).abs().max() / K_lib.abs().max()).item() < 1e-4  # the same kernel

step = {"autograd through the blocked forward": lambda: blocked_autograd(z_t, C_t, L_t, T_t).sum().backward(),
        "fssm, closed-form backward": lambda: blocked_vandermonde_kernel(None, C_t, L_t, block=T_t,
                                                                          log_dA=z_t).sum().backward()}
seconds = {name: benchmark.Timer("f()", globals={"f": f}).blocked_autorange(min_run_time=1.0).median
           for name, f in step.items()}
for name, sec in seconds.items():
    print(f"{name}: {sec * 1e3:.1f} ms forward+backward")
speedup = seconds["autograd through the blocked forward"] / seconds["fssm, closed-form backward"]
print(f"closed-form backward: {speedup:.1f}x faster ({fssm.describe_run()})")
assert speedup > 1.5
#
# ## A.3 Memory: what each path keeps
#
# The reference keeps the $(H, N, L)$ tensor of powers (and autograd keeps it for the backward pass);
# the fast path keeps $\lambda^{bT}$ and $Q$, $(H, N, \lceil L/T\rceil + T)$ numbers. The ratio is about
# $\sqrt L / 2$: 64 at $L = 16384$.

# %%
H, N = 128, 64
for L in (1024, 4096, 16384):
    T = math.isqrt(L - 1) + 1
    ref_mib = H * N * L * 8 / 2**20  # complex64: 8 bytes
    fast_mib = H * N * (T + -(-L // T)) * 8 / 2**20
    print(f"L={L:5d}: reference powers {ref_mib:7.1f} MiB, fast P and Q {fast_mib:5.1f} MiB, ratio {ref_mib / fast_mib:5.1f}")
    assert ref_mib / fast_mib >= math.sqrt(L) / 2 - 1

# %% [markdown]
# ## A.4 FFT sizes
#
# The convolution zero-pads to at least $2L$. FFT libraries are fastest on lengths whose only prime
# factors are 2, 3 and 5, so `fft_conv` pads to the smallest such length $\ge 2L$. Without a Sobolev filter any
# length $\ge 2L$ gives the same linear convolution. With one ($\beta \neq 0$) the output depends a little on the
# length: the weight is the same function of $\omega$, but it is sampled on a different grid, and its impulse
# response, which is not confined to the padded length, wraps around differently. The cell after the next
# measures how much: little (parts per million for this layer), but not zero.

# %% [markdown]
# ```{literalinclude} ../fssm/layer.py
# :language: python
# :pyobject: fast_fft_length
# ```

# %%
for L in (1000, 4096, 4099, 31416):
    print(f"L={L:5d}: 2L = {2 * L:5d} -> FFT length {fast_fft_length(2 * L)}")
assert fast_fft_length(2 * 4099) == 8640 and fast_fft_length(2 * 4096) == 8192

# %%
from fssm.layer import fft_conv, sobolev_weight


def conv_exact_2L(u, k, beta):
    """The filtered convolution on a grid of exactly 2L points (what fft_conv computes with n_fft = 2L)."""
    L = u.shape[-1]
    spec = torch.fft.rfft(u, n=2 * L) * torch.fft.rfft(k, n=2 * L) * sobolev_weight(beta, L + 1, 2.0 * L)
    return torch.fft.irfft(spec, n=2 * L)[..., :L]


L_f = 4099  # fft_conv pads to 8640, the exact grid has 8198 points
fssm.seed_everything(3)
k_f = fssm.S4DLayer(2, 16, dt_min=1e-3, dt_max=1e-3).double().conv_kernel(L_f)  # a kernel as long as L
u_f = torch.randn(3, 2, L_f, dtype=torch.float64)
diff_pad = {}
for b in (0.0, 0.5, 1.0):
    beta_f = torch.full((2,), b, dtype=torch.float64)
    y_lib, y_2L = fft_conv(u_f, k_f, beta=beta_f), conv_exact_2L(u_f, k_f, beta_f)
    diff_pad[b] = ((y_lib - y_2L).norm() / y_2L.norm()).item()
assert diff_pad[0.0] < 1e-12 < 1e-9 < diff_pad[0.5] < diff_pad[1.0] < 1e-3  # zero to round-off only for beta = 0
print(f"L = {L_f}, padded to {fast_fft_length(2 * L_f)} vs exactly {2 * L_f} points: relative difference "
      f"below 1e-12 for beta = 0, {diff_pad[0.5]:.1e} for beta = 0.5, {diff_pad[1.0]:.1e} for beta = 1")

# %% [markdown]
# ## A.5 Measured at book scale
#
# A small, live measurement on the machine that executes this chapter: forward plus backward of the
# kernel alone, reference against fast, for one layer with $H = 32$ channels and $N = 64$ modes. Timings
# vary from machine to machine (the cell's output is not compared by the book's tests), but the ratio is
# large enough that the assertion holds anywhere.

# %% tags=["nbval-ignore-output"]
def kernel_seconds(mode: str, L: int) -> float:
    fssm.seed_everything(0)
    k = fssm.S4DKernel(32, 64, mode=mode)
    timer = benchmark.Timer("k(L).sum().backward()", globals={"k": k, "L": L})
    return timer.blocked_autorange(min_run_time=0.5).median

print(fssm.describe_run())
ratios = {}
for L in (1024, 4096):
    ref, fast = kernel_seconds("reference", L), kernel_seconds("fast", L)
    ratios[L] = ref / fast
    print(f"L={L}: kernel forward+backward {ref * 1e3:.1f} ms (reference) vs {fast * 1e3:.1f} ms (fast): {ratios[L]:.1f}x")
assert ratios[4096] > 3

# %% [markdown]
# The full benchmark, `python bench/kernel_layer.py`, measures the kernel and the whole layer at
# $(B, H, N) = (8, 128, 64)$ and $L \in \{1024, 4096, 16384\}$, including peak memory and the *floor*: the
# same layer with its kernel given, i.e. the FFT convolution, skip, GELU and GLU mixing alone. Its stored
# output (when a run has been committed under `results/`) is shown here with its provenance.
#
# On a CPU the ratio to the floor also depends on the memory allocator. glibc hands large freed blocks back
# to the operating system; a layer step alternates the kernel's small tensors with the FFT's large ones, and
# then pays page faults (the benchmark's high system time) that the floor, which allocates the same large
# tensors over and over, does not. The benchmark therefore also measures the ratio in a process with glibc's
# trimming off (`MALLOC_MMAP_THRESHOLD_` and `MALLOC_TRIM_THRESHOLD_` set high); jemalloc or tcmalloc, which
# PyTorch's CPU performance guide recommends, have the same effect.

# %% tags=["stored-results"]
from fssm.experiments import common
from IPython.display import HTML, display

for tag in ("cpu", "cuda"):
    stored = common.read_results("bench-kernel_layer", tag)
    print(common.describe_stored(stored, "bench-kernel_layer", tag,
                                 f"python bench/kernel_layer.py --device {tag} --out results/bench-kernel_layer-{tag}.json"))
    if stored is None:
        continue
    for row in stored["rows"]:
        print(f"  L={row['L']:6d}: kernel {row['kernel_speedup']:5.1f}x faster, {row['kernel_memory_ratio']:5.1f}x less peak memory; "
              f"layer {row['layer_speedup']:4.2f}x faster; fast layer / floor = {row['layer_over_floor']:.2f}"
              + (f" ({row['layer_over_floor_no_trim']:.2f} with glibc trimming off)" if "layer_over_floor_no_trim" in row else ""))
        if "bandwidth_layer_fast_bytes_per_s" in row:  # GPU runs: achieved memory bandwidth against the card's peak
            print(f"          memory bandwidth: fast layer {row['bandwidth_layer_fast_bytes_per_s'] / 1e9:.0f} GB/s "
                  f"({100 * row['bandwidth_layer_fast_over_peak']:.0f}% of peak), floor "
                  f"{row['bandwidth_floor_bytes_per_s'] / 1e9:.0f} GB/s ({100 * row['bandwidth_floor_over_peak']:.0f}%); "
                  f"peak {row['peak_bandwidth_bytes_per_s'] / 1e9:.0f} GB/s ({row['peak_bandwidth_source']})")

# %% [markdown]
# ## A.6 The other families, and their scans
#
# {doc}`Chapter 12 <12_families>` builds S4, S5 and a selective SSM. Their costs differ in kind. S4's kernel
# needs a Cauchy sum per frequency and channel (no blocked powers: the low-rank term couples the modes). S5
# and the selective scan have no convolution to hand to an FFT of the input: they run the recurrence
# $x_t = a_t x_{t-1} + b_t$ as a *parallel scan* (`fssm.families.scan.linear_scan`): $O(\log L)$ rounds of
# whole-tensor operations instead of $L$ dependent steps. That buys depth (what a GPU needs), at a price in
# work: about $2L$ multiply-adds for the tree scan of a time-varying $a$, $L \log_2 L$ for the doubling scan
# of a constant one (which needs no products of $a$ at all), against $L$ for the loop. The selective scan adds the input-dependent $e^{\Delta_t a}$ of size
# $(B, H, N, L)$; it runs in chunks of time, carrying the state from chunk to chunk and recomputing each
# chunk in the backward pass, so that this tensor never exists at full length.
#
# `python bench/families.py` times one forward and backward pass of each family's layer at
# $(B, H, N, L) = (8, 128, 64, 4096)$ and each scan against its sequential loop, side by side in the same
# rounds; its stored output. A parallel scan is not free on a CPU: it does more work than the loop
# ($2L$ multiply-adds per step in the tree scan, and the selective scan computes each chunk twice, once
# in the backward pass), and a CPU with few cores cannot spend the parallelism it buys, while the loop's
# state of $(B, H, N)$ values per step stays in cache. Whether the parallel form wins is therefore a
# measurement per machine, and the ratio below says which won on the one that ran it. A constant $a$
# (S5) needs no products at all and is far cheaper than the loop; the time-varying $a$ of the selective
# scan is where the two come close.

# %% tags=["stored-results"]
from fssm.experiments import common

for tag in ("cpu", "cuda"):
    stored = common.read_results("bench-families", tag)
    print(common.describe_stored(stored, "bench-families", tag,
                                 f"python bench/families.py --device {tag} --out results/bench-families-{tag}.json"))
    if stored is None:
        continue
    size = stored["size"]
    print(f"  (B, H, N, L) = ({size['B']}, {size['H']}, {size['N']}, {size['L']}), {stored['threads']} threads, "
          f"median of {stored['rounds']} rounds, forward + backward:")
    display(HTML(common.html_table(
        ["layer", "seconds", "peak memory (GiB)"],
        [[name, f"{sec:.2f}", f"{stored['peak_memory_bytes'][name] / 2 ** 30:.2f}"]
         for name, sec in stored["seconds"].items() if name in stored["peak_memory_bytes"]])))
    display(HTML(common.html_table(
        ["scan", "parallel (s)", "sequential loop (s)", "loop / parallel"],
        [[name, f"{stored['seconds'][name]:.2f}", f"{stored['seconds'][name + '_reference']:.2f}", f"{ratio:.2f}x"]
         for name, ratio in stored["scan_speedup"].items()])))

# %% [markdown]
# ## Summary
# - Splitting time into blocks turns the Vandermonde sum into one batched matrix product per channel:
#   memory $O(HN\sqrt L)$ instead of $O(HNL)$, and a GEMM instead of $HNL$ complex exponentials.
# - Building the few powers it needs from float64 phases makes the fast float32 kernel more accurate than
#   the readable float32 one.
# - The gradient splits over the same blocks: one more GEMM and a weighted sum, on the powers kept from the
#   forward pass, instead of autograd through every elementwise step.
# - Padding the FFT to a 5-smooth length keeps the convolution linear and fast for any $L$.
# - The readable path stays in the library (`mode="reference"`); the tests compare the two, outputs and
#   gradients, at lengths from 1 to 65536.
# - The other families trade differently (A.6): S4's Cauchy kernel, S5's and the selective scan's parallel
#   scans; on a CPU with few cores a sequential loop can beat a parallel scan, which only a measurement on
#   the machine settles.
#
# ## Exercises
# 1. Show that the block length $T$ that minimizes $T + \lceil L/T \rceil$ is within one of $\sqrt L$, and
#    compute the minimum for $L = 4096$.

# %% tags=["hide-input"]
# Solution
L = 4096
best = min(range(1, L + 1), key=lambda T: T + -(-L // T))
print(best, best + -(-L // best))
assert abs(best - math.sqrt(L)) <= 1 and best + -(-L // best) == 128

# %% [markdown]
# 2. The fast path is exact in exact arithmetic for *any* block length. Check it in float64 for
#    $T \in \{1, 7, L\}$ against the reference.

# %% tags=["hide-input"]
# Solution
k = fssm.S4DKernel(2, 8).double()
dA, dC = k.discretize()
with torch.no_grad():
    ref = vandermonde_kernel(dA, dC, 300)
    for T in (1, 7, 300):
        err = (blocked_vandermonde_kernel(dA, dC, 300, block=T) - ref).abs().max().item()
        assert err < 1e-12
        print(f"block T = {T}: max difference to the reference below 1e-12")

# %% [markdown]
# 3. Why does padding to 8640 instead of 8198 points leave the output of `fft_conv` without a Sobolev filter
#    unchanged? Check it for $L = 4099$ by comparing with a direct convolution on the first and last 50 outputs.

# %% tags=["hide-input"]
# Solution: any FFT length >= 2L - 1 makes the circular product of the zero-padded signals linear.
from fssm.layer import fft_conv

L = 4099
k = torch.randn(1, L, dtype=torch.float64)
u = torch.randn(1, 1, L, dtype=torch.float64)
y = fft_conv(u, k)[0, 0]
for t in list(range(50)) + list(range(L - 50, L)):
    direct = (k[0, : t + 1].flip(0) * u[0, 0, : t + 1]).sum()
    assert abs(y[t] - direct) < 1e-9
print("matches the direct convolution")

# %% [markdown]
# ## References
# ```{bibliography}
# :filter: docname in docnames
# ```
