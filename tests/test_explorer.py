"""fssm.explorer (appendix C): the values it draws are fssm's, and the figure binds its controls to them."""
import math

import numpy as np
import pytest
import torch

from fssm import explorer, init as fssm_init
from fssm.analysis import layer_frequency_response, total_variation


def test_beta_zero_weighted_response_is_the_response_and_shares_agree():
    v = explorer.channel_view("lin", alpha=2.0, beta=0.0, dt=0.01, N=8, L=256)
    np.testing.assert_array_equal(v["weighted_gain"], v["gain"])
    np.testing.assert_allclose(v["share"], v["share_unweighted"], rtol=0, atol=1e-15)
    assert abs(v["share"].sum() - 1.0) < 1e-12


@pytest.mark.parametrize("init_name, alpha, beta, dt", [("inv", 3.0, 1.0, 0.01), ("legs", 0.5, -0.7, 0.003)])
def test_weighted_gain_is_the_response_of_a_layer_with_that_beta(init_name, alpha, beta, dt):
    N, L = 8, 256
    v = explorer.channel_view(init_name, alpha, beta, dt, N, L)
    layer = explorer.channel_layer(init_name, alpha, torch.tensor([dt], dtype=torch.float64), N, L)
    layer.beta = torch.tensor([beta], dtype=torch.float64)  # the layer's own filter, (1 + k / M)^beta, M = L / pi
    with torch.no_grad():
        omega, response = layer_frequency_response(layer, L)
    assert layer.filter_active
    np.testing.assert_allclose(omega.numpy(), v["omega"], rtol=0, atol=1e-15)
    np.testing.assert_allclose(response[0].abs().numpy(), v["weighted_gain"], rtol=1e-10, atol=0)
    # and the weight is (1 + |omega|)^beta with omega in rad/sample
    np.testing.assert_allclose(v["weighted_gain"] / v["gain"], (1 + v["omega"]) ** beta, rtol=1e-10)


def test_gain_is_the_transfer_function_of_the_discrete_modes():
    """|K^(omega)| of the length-L kernel equals |sum_n C_n dB_n (1 - (dA_n e^{-i omega})^L) / (1 - dA_n e^{-i omega})|
    (conjugate pairs included), the closed form of the truncated geometric series, at every bin."""
    N, L, alpha, dt = 8, 128, 1.0, 0.02
    v = explorer.channel_view("lin", alpha, 0.0, dt, N, L)
    layer = explorer.channel_layer("lin", alpha, torch.tensor([dt], dtype=torch.float64), N, L)
    with torch.no_grad():
        kernel = layer.conv_kernel(L)[0]  # r(L)
    k_hat = np.fft.rfft(kernel.numpy(), n=2 * L)
    np.testing.assert_allclose(np.abs(k_hat), v["gain"], rtol=1e-10, atol=1e-14)
    assert len(v["omega"]) == L + 1 and math.isclose(v["omega"][-1], math.pi)


def test_modes_are_alpha_y_dt_folded_into_zero_pi_and_aliased_flags_say_which():
    N, dt = 16, 0.01
    for alpha in (1.0, 10.0, 60.0):
        v = explorer.channel_view("lin", alpha, 0.0, dt, N, 256)
        A = fssm_init.init_A("lin", N, alpha=alpha).to(torch.complex128)
        raw = np.abs(A.imag.numpy()) * dt  # rad/sample before folding
        folded = np.abs(np.angle(np.exp(1j * raw)))
        np.testing.assert_allclose(np.sort(v["mode_omega"]), np.sort(folded), rtol=1e-9, atol=1e-12)
        np.testing.assert_array_equal(np.sort(v["mode_aliased"]), np.sort(raw > math.pi))
        np.testing.assert_allclose(np.sort(v["mode_decay"]), np.sort(np.abs(A.real.numpy()) * dt), rtol=1e-9)
    assert not explorer.channel_view("lin", 1.0, 0.0, dt, N)["mode_aliased"].any()
    assert explorer.channel_view("lin", 60.0, 0.0, dt, N)["mode_aliased"].any()


def test_modes_placed_in_a_band_put_most_of_the_variation_there():
    """S4D-Lin at alpha: Im(a_n) = alpha pi n; with dt the modes sit at alpha pi n dt rad/sample. Choose alpha so
    that they span the band [pi/64, pi/16): that band holds the largest share."""
    N, dt = 4, 0.01
    alpha = (math.pi / 40) / (math.pi * dt)  # modes at pi/40 .. 4 pi/40 = pi/10 rad/sample
    v = explorer.channel_view("lin", alpha, 0.0, dt, N, 1024)
    assert int(np.argmax(v["share"])) == 2, v["share"]
    # and a positive beta moves variation upwards: the top band's share grows with beta
    tops = [explorer.channel_view("lin", alpha, b, dt, N, 1024)["share"][-1] for b in (-1.0, 0.0, 2.0)]
    assert tops[0] < tops[1] < tops[2], tops


def test_real_init_does_not_depend_on_alpha():
    a = explorer.channel_view("real", 0.1, 0.5, 0.01)
    b = explorer.channel_view("real", 100.0, 0.5, 0.01)
    for key in ("gain", "weighted_gain", "mode_omega", "mode_decay", "share"):
        np.testing.assert_allclose(a[key], b[key], rtol=1e-12, atol=1e-15)
    assert (a["mode_omega"] == 0).all()


def test_grid_equals_channel_view_at_its_points():
    grid = explorer.explorer_grid(inits=("lin", "real"), log10_alpha=[0.0, 1.0], beta=[-1.0, 0.0, 1.5],
                                  log10_dt=[-3.0, -2.0], N=8, L=256, points=32)
    assert grid["log10_gain"].shape == (2, 2, 2, len(grid["omega"]))
    assert grid["share"].shape == (2, 2, 2, 3, 5)
    for i, name in enumerate(("lin", "real")):
        for a, la in enumerate((0.0, 1.0)):
            for d, ld in enumerate((-3.0, -2.0)):
                for b, beta in enumerate((-1.0, 0.0, 1.5)):
                    v = explorer.channel_view(name, 10 ** la, beta, 10 ** ld, 8, 256)
                    np.testing.assert_allclose(grid["share"][i, a, d, b], v["share"], rtol=1e-9, atol=1e-12)
                keep = np.searchsorted(v["omega"], grid["omega"])
                np.testing.assert_allclose(10 ** grid["log10_gain"][i, a, d], v["gain"][keep], rtol=1e-9)
                np.testing.assert_allclose(np.sort(grid["mode_omega"][i, a, d]), np.sort(v["mode_omega"]),
                                           rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("kwargs, named", [({"init": "hippo"}, "init"), ({"alpha": 0.0}, "alpha"),
                                           ({"alpha": -1.0}, "alpha"), ({"dt": 0.0}, "dt"),
                                           ({"beta": float("nan")}, "beta"), ({"N": 0}, "N"), ({"L": 1}, "L")])
def test_bad_settings_are_named(kwargs, named):
    with pytest.raises((ValueError, TypeError), match=named):
        explorer.channel_view(**kwargs)


def test_bad_grid_init_is_named():
    with pytest.raises(ValueError, match="inits"):
        explorer.explorer_grid(inits=("lin", "s4"), log10_alpha=[0.0], beta=[0.0], log10_dt=[-2.0], N=4, L=64)


def test_chart_binds_three_sliders_and_a_menu_and_embeds_without_the_network():
    pytest.importorskip("altair")
    grid = explorer.explorer_grid(inits=("lin", "inv"), log10_alpha=[0.0, 0.2], beta=[0.0, 0.2],
                                  log10_dt=[-2.4, -2.0], N=4, L=64, points=16)
    spec = explorer.explorer_chart(grid).to_dict()
    binds = {p["name"]: p["bind"] for p in spec["params"] if "bind" in p}
    assert {k: v["input"] for k, v in binds.items()} == {"log10_alpha": "range", "beta": "range",
                                                          "log10_dt": "range", "init": "select"}
    assert binds["log10_alpha"]["min"] == 0.0 and binds["log10_alpha"]["max"] == 0.2
    assert binds["init"]["labels"] == ["S4D-Lin", "S4D-Inv"]
    html = explorer.chart_html(explorer.explorer_chart(grid))
    assert "vegaEmbed(" in html and 'id="fssm-explorer"' in html
    assert "<script src=" not in html  # the JavaScript is inline: no CDN, no network


def test_live_explorer_builds_its_widgets_and_draws_the_three_panels():
    pytest.importorskip("ipywidgets")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    box = explorer.live_explorer(N=4, L=64)
    assert type(box).__name__ == "VBox"
    fig, axes = plt.subplots(3)
    explorer.draw_panels(axes, explorer.channel_view("lin", 3.0, 1.0, 0.01, 4, 64), 1.0)
    assert len(axes[0].collections) == 1 and len(axes[1].lines) >= 2 and len(axes[2].patches) >= 5
    plt.close(fig)
