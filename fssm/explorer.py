r"""The book's explorer (appendix C): what alpha, beta, dt and the initialization do to one S4D channel.

One channel of an `S4DLayer` (N modes, C = 1 for every mode so that only the poles matter, no skip D) seen
three ways, the three panels of the explorer:

1. its modes: the discrete frequency omega_n = |angle(exp(a_n dt))| in [0, pi] rad/sample (alpha Im(a_n) dt
   folded back when it passes the Nyquist frequency pi: aliasing, chapter 6) and the decay per sample
   |Re a_n| dt;
2. |K^(omega)| of the length-L kernel on the layer's FFT grid (omega = pi k / L, k = 0..L), without and with
   the Sobolev weight w(omega)^beta (chapter 7). The weight is the layer's (1 + k/M)^beta with M = L / pi, i.e.
   (1 + |omega|)^beta with omega in rad/sample: the nominal weight of the authors' waves code (the layer's
   default M = 2L gives the nearly flat (1 + |omega|/2pi)^beta instead);
3. the total variation of the weighted response on five bands of omega, each a factor 4 wide (chapter 4's
   measure, on the discrete frequency axis), as shares of the total.

`channel_view` computes one setting with `fssm.layer` and `fssm.analysis`; `explorer_grid` computes a grid of
settings; `explorer_chart` embeds a grid in a Vega-Lite figure (Altair) that runs in a static HTML page, no
kernel and no network (the JavaScript is Vega's own bundle, inlined by Altair); `live_explorer` is the same
figure in Jupyter or Colab with ipywidgets sliders for any value. Altair and ipywidgets are imported only by
the functions that need them.
"""
from __future__ import annotations

import json
import math
import warnings
from typing import Dict, Optional, Sequence

import numpy as np
import torch

from .analysis import layer_frequency_response, total_variation
from .kernel import AliasingWarning
from .layer import S4DLayer, sobolev_weight
from .utils import check_choice, check_int, check_real

__all__ = ["EXPLORER_INITS", "BAND_EDGES", "channel_layer", "channel_view", "default_grid", "explorer_grid",
           "explorer_rows", "explorer_chart", "chart_html", "live_explorer", "draw_panels"]

# The initializations the explorer offers (fssm.init names) and how the figure labels them.
EXPLORER_INITS = {"lin": "S4D-Lin", "inv": "S4D-Inv", "legs": "S4D-LegS", "real": "S4D-Real"}
# Band edges of the variation panel in rad/sample: [0, pi/256), [pi/256, pi/64), ..., [pi/4, pi].
BAND_EDGES = (0.0, math.pi / 256, math.pi / 64, math.pi / 16, math.pi / 4, math.inf)
BAND_LABELS = ("below π/256", "π/256 to π/64", "π/64 to π/16", "π/16 to π/4", "π/4 to π")


def channel_layer(init: str, alpha: float, dts: torch.Tensor, N: int, L: int) -> S4DLayer:
    """The explorer's S4DLayer: float64, one channel per step in dts r(H) (float64, > 0), C = 1, no D, no
    activation or mixing, beta = 0 (set `layer.beta` for a filtered one), Sobolev scale M = L / pi."""
    H = dts.numel()
    default = torch.get_default_dtype()
    try:  # parameters created in float64 (not float32, then cast): the eigenvalues keep every digit of alpha * y
        torch.set_default_dtype(torch.float64)
        with warnings.catch_warnings():  # aliasing is what the explorer shows (panel 1), not a mistake here
            warnings.simplefilter("ignore", AliasingWarning)
            layer = S4DLayer(H, N, alpha=alpha, init=init, dt_min=float(dts.min()), dt_max=float(dts.max()),
                             sobolev_scale=L / math.pi, activation=None, mixing=None, D=False,
                             kernel_kwargs={"C_init": torch.ones(H, N, dtype=torch.complex128)})
    finally:
        torch.set_default_dtype(default)
    with torch.no_grad():
        layer.kernel.log_dt.copy_(dts.log())
    return layer


def _views(init: str, alpha: float, betas: torch.Tensor, dts: torch.Tensor, N: int, L: int) -> Dict[str, torch.Tensor]:
    """The three panels for every beta in betas r(nb) and every step in dts r(H) at one (init, alpha)."""
    layer = channel_layer(init, alpha, dts, N, L)
    with torch.no_grad():
        omega, response = layer_frequency_response(layer, L)  # r(K), c(H K) with beta = 0: no weight
        dA, _ = layer.kernel.discretize()  # c(H N)
        weight = sobolev_weight(betas, omega.numel(), L / math.pi)  # r(nb K)
        weighted = weight[:, None, :] * response[None]  # c(nb H K)
        variation = total_variation(weighted, omega, list(zip(BAND_EDGES[:-1], BAND_EDGES[1:])))  # r(nb H 5)
    share = variation / variation.sum(-1, keepdim=True)
    return {"omega": omega, "response": response, "weight": weight, "variation": variation, "share": share,
            "mode_omega": dA.angle().abs(), "mode_decay": -dA.abs().log(),
            "mode_aliased": layer.kernel.A_imag.detach().abs() * dts[:, None] > math.pi}  # alpha |y_n| dt > pi


def channel_view(init: str = "lin", alpha: float = 1.0, beta: float = 0.0, dt: float = 1e-2, N: int = 16,
                 L: int = 1024) -> Dict[str, np.ndarray]:
    r"""The explorer's three panels for one setting (module docstring), computed by fssm, as numpy arrays.

    init: one of EXPLORER_INITS; alpha > 0; beta finite; dt > 0; N modes (int >= 1); kernel length L (>= 2).
    Returns float64 arrays: omega r(L+1) in rad/sample; gain |K^| r(L+1) and weighted gain w^beta |K^| r(L+1);
    mode_omega r(N) (folded into [0, pi]) and mode_decay r(N) per sample; mode_aliased (bool r(N): alpha |Im a_n| dt
    > pi, the mode was folded); share r(5) of the weighted response's
    variation per band (BAND_EDGES), and share_unweighted r(5) (beta = 0).
    """
    check_choice("init", init, tuple(EXPLORER_INITS))
    alpha = check_real("alpha", alpha, low=0.0, low_open=True)
    beta = check_real("beta", beta)
    dt = check_real("dt", dt, low=0.0, low_open=True)
    N, L = check_int("N", N, low=1), check_int("L", L, low=2)
    v = _views(init, alpha, torch.tensor([beta, 0.0], dtype=torch.float64), torch.tensor([dt], dtype=torch.float64),
               N, L)
    gain = v["response"][0].abs()
    return {"omega": v["omega"].numpy(), "gain": gain.numpy(), "weighted_gain": (v["weight"][0] * gain).numpy(),
            "mode_omega": v["mode_omega"][0].numpy(), "mode_decay": v["mode_decay"][0].numpy(),
            "mode_aliased": v["mode_aliased"][0].numpy(),
            "share": v["share"][0, 0].numpy(), "share_unweighted": v["share"][1, 0].numpy()}


def default_grid() -> Dict[str, np.ndarray]:
    """The book's grid: log10 alpha -1..2.8 (20), beta -1..2 (16), log10 dt -4..-0.4 (10), in steps of 0.2, 0.2, 0.4.

    Steps are round numbers so that the sliders show round values."""
    return {"log10_alpha": np.round(np.arange(20) * 0.2 - 1.0, 1), "beta": np.round(np.arange(16) * 0.2 - 1.0, 1),
            "log10_dt": np.round(np.arange(10) * 0.4 - 4.0, 1)}


def _display_bins(L: int, points: int) -> np.ndarray:
    """About `points` FFT bins k in 1..L, evenly spaced on a log axis (omega = pi k / L > 0)."""
    return np.unique(np.round(np.geomspace(1, L, points)).astype(int))


def explorer_grid(inits: Sequence[str] = tuple(EXPLORER_INITS), log10_alpha=None, beta=None, log10_dt=None,
                  N: int = 16, L: int = 1024, points: int = 128) -> Dict:
    r"""The explorer's values over a grid of settings, computed by `_views` (the same code as `channel_view`).

    Grid axes default to `default_grid()`; `points` log-spaced FFT bins are kept for the response panel (the
    variation uses every bin). Returns a dict of numpy arrays (index order init, alpha, dt, then the rest):
    omega r(P) of the kept bins, log10_gain r(I A D P), log10_weight r(nb P), mode_omega, mode_decay and
    mode_aliased r(I A D N), share r(I A D nb 5), plus the axes, N, L and the band edges.
    """
    grid = default_grid()
    la = np.asarray(grid["log10_alpha"] if log10_alpha is None else log10_alpha, dtype=float)
    bs = np.asarray(grid["beta"] if beta is None else beta, dtype=float)
    ld = np.asarray(grid["log10_dt"] if log10_dt is None else log10_dt, dtype=float)
    for name in inits:
        check_choice("inits", name, tuple(EXPLORER_INITS))
    N, L = check_int("N", N, low=1), check_int("L", L, low=2)
    keep = torch.as_tensor(_display_bins(L, check_int("points", points, low=2)))
    betas, dts = torch.tensor(bs, dtype=torch.float64), torch.tensor(10.0 ** ld, dtype=torch.float64)
    shape = (len(inits), len(la))
    out = {"log10_gain": np.empty(shape + (len(ld), keep.numel())), "mode_omega": np.empty(shape + (len(ld), N)),
           "mode_decay": np.empty(shape + (len(ld), N)), "mode_aliased": np.empty(shape + (len(ld), N), dtype=bool),
           "share": np.empty(shape + (len(ld), len(bs), 5))}
    for i, name in enumerate(inits):
        for a, log_alpha in enumerate(la):
            v = _views(name, float(10.0 ** log_alpha), betas, dts, N, L)
            out["log10_gain"][i, a] = v["response"][:, keep].abs().log10().numpy()
            out["mode_omega"][i, a] = v["mode_omega"].numpy()
            out["mode_decay"][i, a] = v["mode_decay"].numpy()
            out["mode_aliased"][i, a] = v["mode_aliased"].numpy()
            out["share"][i, a] = v["share"].permute(1, 0, 2).numpy()  # (dt, beta, band)
    out["log10_weight"] = v["weight"][:, keep].log10().numpy()
    out.update(omega=v["omega"][keep].numpy(), inits=list(inits), log10_alpha=la, beta=bs, log10_dt=ld, N=N, L=L,
               band_edges=BAND_EDGES)
    return out


def _rounded(x: np.ndarray, digits: int) -> list:
    """Nested lists of x rounded to `digits` decimals: what the page embeds (the figure needs no more)."""
    return np.round(np.asarray(x, dtype=float), digits).tolist()


def _significant(x: np.ndarray, digits: int = 3) -> list:
    return [float(f"{v:.{digits}g}") for v in np.asarray(x, dtype=float).ravel()]


def explorer_rows(grid: Dict) -> Dict[str, list]:
    """The grid as the figure's two tables: one row per (init, alpha, dt) with arrays, one row per kept bin."""
    I, A, D = grid["log10_gain"].shape[:3]
    rows = []
    for i in range(I):
        for a in range(A):
            for d in range(D):
                rows.append({"i": i, "a": a, "d": d,
                             "g": _rounded(grid["log10_gain"][i, a, d], 2),
                             "w": _significant(np.maximum(grid["mode_omega"][i, a, d], 1e-6)),
                             "r": _significant(grid["mode_decay"][i, a, d]),
                             "x": grid["mode_aliased"][i, a, d].astype(int).tolist(),
                             "s": _rounded(grid["share"][i, a, d].ravel(), 3)})  # (beta, band), beta-major
    bins = [{"k": k, "omega": float(f"{w:.4g}"), "lw": _rounded(grid["log10_weight"][:, k], 3)}
            for k, w in enumerate(grid["omega"])]
    return {"settings": rows, "bins": bins}


def explorer_chart(grid: Dict, width: int = 640):
    """A Vega-Lite figure (Altair chart) of a grid from `explorer_grid`: sliders for log10 alpha, beta and
    log10 dt, a selector for the initialization, and the three panels of the module docstring.

    Every number drawn is read from the grid (the weighted gain is log10 |K^| plus log10 w, both from fssm).
    Render it in a static page with `chart_html(chart)`.
    """
    import altair as alt

    rows = explorer_rows(grid)
    la, bs, ld = grid["log10_alpha"], grid["beta"], grid["log10_dt"]
    nb, N = len(bs), grid["N"]
    settings = alt.InlineData(values=rows["settings"])
    bins = alt.InlineData(values=rows["bins"])

    def step_of(axis):
        return float(np.round(axis[1] - axis[0], 6)) if len(axis) > 1 else 1.0

    p_alpha = alt.param(name="log10_alpha", value=float(la[np.argmin(np.abs(la))]),
                        bind=alt.binding_range(min=float(la[0]), max=float(la[-1]), step=step_of(la),
                                               name="log10 α "))
    p_beta = alt.param(name="beta", value=float(bs[np.argmin(np.abs(bs))]),
                       bind=alt.binding_range(min=float(bs[0]), max=float(bs[-1]), step=step_of(bs), name="β "))
    p_dt = alt.param(name="log10_dt", value=float(ld[np.argmin(np.abs(ld + 2.0))]),
                     bind=alt.binding_range(min=float(ld[0]), max=float(ld[-1]), step=step_of(ld),
                                            name="log10 Δt "))
    names = [EXPLORER_INITS[n] for n in grid["inits"]]
    p_init = alt.param(name="init", value=0, bind=alt.binding_select(options=list(range(len(names))), labels=names,
                                                                     name="initialization "))
    # Slider values -> grid indices (rounded: a slider's steps accumulate round-off).
    index = {"ia": f"round((log10_alpha - ({la[0]})) / {step_of(la)})",
             "ib": f"round((beta - ({bs[0]})) / {step_of(bs)})",
             "id": f"round((log10_dt - ({ld[0]})) / {step_of(ld)})"}
    chosen = f"datum.i == init && datum.a == {index['ia']} && datum.d == {index['id']}"
    x_omega = alt.X("omega:Q", title="ω (rad/sample)", scale=alt.Scale(type="log", domain=[float(grid["omega"][0]),
                                                                                            math.pi], clamp=True))
    base = alt.Chart(settings).transform_filter(chosen)

    setting = (f"{json.dumps(names)}[init] + ',  α = ' + format(pow(10, log10_alpha), '.3~g') + ',  β = ' + "
               f"format(beta, '.1f') + ',  Δt = ' + format(pow(10, log10_dt), '.2~g') + "
               f"'  (N = {N} modes, C = 1, L = {grid['L']})'")
    title = base.transform_calculate(text=setting).mark_text(align="left", fontSize=13, fontWeight="bold").encode(
        x=alt.value(0), y=alt.value(8), text="text:N").properties(width=width, height=16)

    modes = base.transform_flatten(["w", "r", "x"], as_=["omega", "decay", "aliased"]).transform_calculate(
        where=f"datum.aliased ? 'aliased (folded back)' : datum.omega < {float(grid['omega'][0])} ? "
              f"'below the first bin' : 'on the axis'"
    ).mark_point(filled=True, size=60, opacity=0.8).encode(
        x=x_omega, y=alt.Y("decay:Q", title="decay per sample", scale=alt.Scale(type="log")),
        color=alt.Color("where:N", title=None, legend=alt.Legend(orient="top"), scale=alt.Scale(domain=["below the first bin", "on the axis",
                                                                 "aliased (folded back)"],
                                                                 range=["#7f7f7f", "#1f77b4", "#d62728"])),
        tooltip=[alt.Tooltip("omega:Q", format=".3g"), alt.Tooltip("decay:Q", format=".3g")],
    ).properties(width=width, height=130, title="1. modes: discrete frequency (folded into [0, π]) and decay")

    gains = base.transform_flatten(["g"], as_=["log_gain"]).transform_window(
        k="row_number()").transform_calculate(k="datum.k - 1").transform_lookup(
        lookup="k", from_=alt.LookupData(data=bins, key="k", fields=["omega", "lw"])
    ).transform_calculate(
        **{"without weight": "pow(10, datum.log_gain)",
           "with weight (1 + ω)^β": f"pow(10, datum.log_gain + datum.lw[{index['ib']}])"}
    ).transform_fold(["without weight", "with weight (1 + ω)^β"], as_=["response", "gain"]
    ).mark_line().encode(
        x=x_omega, y=alt.Y("gain:Q", title="|K^(ω)|", scale=alt.Scale(type="log")),
        color=alt.Color("response:N", title=None, legend=alt.Legend(orient="top"),
                        scale=alt.Scale(domain=["without weight", "with weight (1 + ω)^β"], range=["#1f77b4", "#d62728"])),
        strokeDash=alt.StrokeDash("response:N", legend=None, sort=["without weight", "with weight (1 + ω)^β"]),
    ).properties(width=width, height=200, title="2. |K^(ω)| of the channel, without and with the Sobolev weight")

    band_names = list(BAND_LABELS)
    shares = base.transform_calculate(
        weighted=f"slice(datum.s, {index['ib']} * 5, {index['ib']} * 5 + 5)",
        unweighted=f"slice(datum.s, {int(np.argmin(np.abs(bs)))} * 5, {int(np.argmin(np.abs(bs)))} * 5 + 5)",
        band=json.dumps(band_names),
    ).transform_flatten(["weighted", "unweighted", "band"]).transform_fold(
        ["unweighted", "weighted"], as_=["response", "share"]
    ).transform_calculate(response="datum.response == 'weighted' ? 'with weight (β above)' : 'β = 0'").mark_bar(
    ).encode(
        x=alt.X("band:N", title="band of ω (rad/sample)", sort=band_names, axis=alt.Axis(labelAngle=0)),
        xOffset=alt.XOffset("response:N", sort=["β = 0", "with weight (β above)"]),
        y=alt.Y("share:Q", title="share of the variation", scale=alt.Scale(domain=[0, 1])),
        color=alt.Color("response:N", title=None, legend=alt.Legend(orient="top"),
                        scale=alt.Scale(domain=["β = 0", "with weight (β above)"], range=["#7f7f7f", "#d62728"])),
        tooltip=["band:N", "response:N", alt.Tooltip("share:Q", format=".3f")],
    ).properties(width=width, height=160, title="3. where the weighted response varies: total variation per band")

    return alt.vconcat(title, modes, gains, shares, spacing=18).add_params(p_alpha, p_beta, p_dt, p_init
    ).resolve_scale(color="independent").configure_view(stroke=None)


def chart_html(chart, div_id: str = "fssm-explorer") -> str:
    """The chart as an HTML fragment that draws itself without a kernel or network, inside a book page.

    Altair writes the page (`to_html(inline=True)`: Vega's JavaScript bundle, from vl-convert-python, and its
    `vegaEmbed` call); this keeps its style, its target div and its two scripts, and runs the scripts inside
    one function scope, so that the bundle's top-level names (`_`, ...) do not collide with the page's own
    (Sphinx declares a global `_`). Rendered as SVG (the browser test reads it), without the export menu.
    """
    import re

    page = chart.to_html(inline=True, output_div=div_id, embed_options={"renderer": "svg", "actions": False})
    style = re.search(r"<style>.*?</style>", page, re.S)
    scripts = re.findall(r'<script type="text/javascript">(.*?)</script>', page, re.S)
    if style is None or len(scripts) != 2 or "vegaEmbed(" not in scripts[1]:
        raise RuntimeError("Altair's inline HTML is not laid out as expected (a style, the bundle, the embed "
                           "call); check the installed altair version")
    return (f'{style.group(0)}\n<div class="vega-visualization" id="{div_id}"></div>\n'
            f'<script type="text/javascript">\n(function () {{\n{scripts[0]}\n{scripts[1]}\n}}).call(window);\n'
            f'</script>\n')


def live_explorer(N: int = 16, L: int = 1024):
    """The explorer in Jupyter or Colab: ipywidgets sliders for any alpha, beta, dt (log sliders) and the init,
    drawing the three panels with matplotlib from `channel_view`. Returns the widget (display it)."""
    import ipywidgets as widgets
    import matplotlib.pyplot as plt

    from . import plot

    N, L = check_int("N", N, low=1), check_int("L", L, low=2)
    controls = {
        "alpha": widgets.FloatLogSlider(value=1.0, base=10, min=-2, max=3, step=0.05, description="α"),
        "beta": widgets.FloatSlider(value=0.0, min=-2.0, max=3.0, step=0.05, description="β"),
        "dt": widgets.FloatLogSlider(value=1e-2, base=10, min=-5, max=0, step=0.05, description="Δt"),
        "init": widgets.Dropdown(options=[(v, k) for k, v in EXPLORER_INITS.items()], value="lin",
                                 description="init"),
    }

    def draw(alpha, beta, dt, init):
        view = channel_view(init, alpha, beta, dt, N, L)
        fig, axes = plot.figure(nrows=3, width=7.5, height=7.5)
        draw_panels(axes, view, beta)
        fig.suptitle(f"{EXPLORER_INITS[init]}, α = {alpha:.3g}, β = {beta:.2f}, Δt = {dt:.2g}, N = {N}, L = {L}",
                     fontsize=10, x=0.02, ha="left")
        plt.show()

    out = widgets.interactive_output(draw, controls)
    return widgets.VBox([widgets.HBox(list(controls.values())[:2]), widgets.HBox(list(controls.values())[2:]), out])


def draw_panels(axes, view: Dict[str, np.ndarray], beta: float) -> None:
    """The three panels of `channel_view`'s output on three matplotlib axes (the live explorer's figure)."""
    omega, first = view["omega"][1:], float(view["omega"][1])
    ax = axes[0]
    ax.scatter(np.clip(view["mode_omega"], first, math.pi), view["mode_decay"], s=18)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlim(first, math.pi)
    ax.set_ylabel("decay per sample")
    ax.set_title("1. modes (frequency folded into [0, π]; below the first bin drawn at its edge)", fontsize=9)
    ax = axes[1]
    ax.loglog(omega, view["gain"][1:], label="without weight")
    ax.loglog(omega, view["weighted_gain"][1:], "--", label=f"with weight (1 + ω)^β, β = {beta:.2f}")
    ax.set_xlim(first, math.pi)
    ax.set_xlabel("ω (rad/sample)")
    ax.set_ylabel("|K^(ω)|")
    ax.legend(fontsize=8)
    ax = axes[2]
    x = np.arange(len(BAND_LABELS))
    ax.bar(x - 0.2, view["share_unweighted"], width=0.4, color="0.5", label="β = 0")
    ax.bar(x + 0.2, view["share"], width=0.4, color="#d62728", label="with weight")
    ax.set_xticks(x, BAND_LABELS, fontsize=8)
    ax.set_ylim(0, 1)
    ax.set_ylabel("share of the variation")
    ax.legend(fontsize=8)
