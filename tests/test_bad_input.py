"""Bad input to analysis, utilities, the model, batches, waves and plots: a clear error naming the argument
(ValueError, or ArgumentTypeError, both a TypeError and a ValueError, for a wrong type), never a raw torch
error or a silently wrong result (issue 12, "bad input reaching torch raw")."""
import math

import matplotlib
import pytest
import torch

import fssm
from fssm import analysis, plot
from fssm.data import Batches, WavesDataset, amplitude_grid, superposed_waves
from fssm.model import ResidualBlock, SequenceModel, TwoTowerClassifier
from fssm.utils import ArgumentTypeError, DeviceError, register

matplotlib.use("Agg")


def small_model(**kw):
    return SequenceModel(1, 2, d_model=4, n_layers=1, d_state=2, **kw)


# ----------------------------------------------------------------------------- analysis
def test_transfer_function_of_a_real_A_is_that_of_the_complex_A():
    """Real A was cast down with i*s (to 0): G = 2c/(0 - a) at every s. Now a -> a + 0i exactly."""
    A = torch.tensor([[-2.0, -0.5]], dtype=torch.float64)
    C = torch.tensor([[0.5, 0.25]], dtype=torch.float64)
    s = torch.linspace(-3.0, 3.0, 7, dtype=torch.float64)
    expected = sum(2 * c / (1j * s - a) for a, c in ((-2.0, 0.5), (-0.5, 0.25)))  # float64 closed form
    torch.testing.assert_close(analysis.transfer_function(A, C, s)[0], expected, rtol=1e-14, atol=0)
    assert torch.equal(analysis.transfer_function(A, C, s), analysis.transfer_function(A + 0j, C + 0j, s))
    assert torch.equal(analysis.transfer_function(A.float(), C.float(), s),
                       analysis.transfer_function(A.float() + 0j, C.float() + 0j, s))
    dG = analysis.transfer_function_grad_imag(A, C, s)
    assert torch.equal(dG, analysis.transfer_function_grad_imag(A + 0j, C + 0j, s))
    # tail_variation_bound and usable_alpha_range take real eigenvalues too (Im a = 0)
    assert analysis.tail_variation_bound(C[0], A[0], 10.0).item() == pytest.approx(0.75 / 10.0)
    with pytest.raises(ValueError, match="nothing to scale"):
        analysis.usable_alpha_range(A, 0.1, 100)


@pytest.mark.parametrize("call, match", [
    (lambda A, C, s: analysis.transfer_function(A[None], C[None], s), "1 to 2 dimensions"),
    (lambda A, C, s: analysis.transfer_function(A, C, s[None]), r"s must be real numbers of shape \(S,\)"),
    (lambda A, C, s: analysis.transfer_function(A, C, s + 0j), "s must be real"),
    (lambda A, C, s: analysis.transfer_function(A * math.nan, C, s), "A contains NaN or Inf"),
    (lambda A, C, s: analysis.transfer_function(A, C * math.inf, s), "C contains NaN or Inf"),
    (lambda A, C, s: analysis.transfer_function(A, C, s.clone().fill_(math.nan)), "s contains NaN"),
    (lambda A, C, s: analysis.transfer_function(A, C, s, D=torch.ones(5)), r"D must be .* shape \(2,\)"),
    (lambda A, C, s: analysis.transfer_function_grad_imag(A, C[:, :2], s), "A and C must have the same number of modes"),
    (lambda A, C, s: analysis.tail_variation_bound(C[0, :2], A[0], 100.0), "A and C must have the same number of modes"),
    (lambda A, C, s: analysis.tail_variation_bound(C[0], A[0], "far"), "B must be a finite real number"),
    (lambda A, C, s: analysis.transfer_function(A, C[:1].expand(3, -1), s), "broadcastable shapes"),
    (lambda A, C, s: analysis.usable_alpha_range(A * math.nan, 0.1, 100), "A contains NaN"),
    (lambda A, C, s: analysis.usable_alpha_range(A[:, :0], 0.1, 100), "at least one eigenvalue"),
    (lambda A, C, s: analysis.usable_alpha_range(A, 0.1, 1), "L must be an integer >= 2"),
])
def test_analysis_rejects_bad_modes_and_frequencies(call, match):
    p = fssm.S4DKernel(2, 3).double().ssm()
    A, C = p["A"].detach(), p["C"].detach()
    with pytest.raises(ValueError, match=match):
        call(A, C, torch.linspace(-5.0, 5.0, 11, dtype=torch.float64))


def test_analysis_takes_a_layer_for_its_kernel_and_names_what_it_expects():
    torch.manual_seed(0)
    layer = fssm.S4DLayer(2, 3).double()
    omega = torch.linspace(0.0, math.pi, 9, dtype=torch.float64)
    assert torch.equal(analysis.frequency_response(layer, omega, L=16),
                       analysis.frequency_response(layer.kernel, omega, L=16))
    assert torch.equal(analysis.poles(layer)["discrete"], analysis.poles(layer.kernel)["discrete"])
    model = small_model()
    for call in (lambda: analysis.frequency_response(model, omega), lambda: analysis.poles(model)):
        with pytest.raises(TypeError, match=r"an S4DKernel or an S4DLayer.*got SequenceModel.*'blocks\.0\.layer'"):
            call()
    with pytest.raises(TypeError, match="layer must be an S4DLayer, got S4DKernel; for an S4DKernel use frequency_response"):
        analysis.layer_frequency_response(layer.kernel, 8)
    with pytest.raises(ValueError, match="got SequenceModel"):  # ArgumentTypeError is a ValueError too
        analysis.layer_frequency_response(model, 8)
    with pytest.raises(ValueError, match="omega contains NaN"):
        analysis.frequency_response(layer, torch.tensor([math.nan]))


@pytest.mark.parametrize("call, match", [
    (lambda x: analysis.average_power_spectrum(x, batch=0), "batch must be an integer >= 1, got 0"),
    (lambda x: analysis.average_power_spectrum(x, batch=-1), "batch must be an integer >= 1, got -1"),
    (lambda x: analysis.average_power_spectrum(x, batch=2.5), "batch must be an integer >= 1, got 2.5"),
    (lambda x: analysis.average_power_spectrum(x[..., None][..., :0]), r"n, d >= 1, got \(3, 16, 0\)"),
    (lambda x: analysis.average_power_spectrum(x * math.nan), "x contains NaN or Inf"),
    (lambda x: analysis.average_power_spectrum(x + 0j), "x must be real"),
    (lambda x: analysis.average_power_spectrum(x.long().abs(), vocab_size=1), r"vocab_size = 1\): largest id [1-9]"),
])
def test_average_power_spectrum_rejects_bad_sizes_and_values(call, match):
    with pytest.raises(ValueError, match=match):
        call(torch.randn(3, 16, generator=torch.Generator().manual_seed(0)) * 3)


def test_variation_rejects_empty_or_reversed_bands_and_non_finite_values():
    s = torch.linspace(-5.0, 5.0, 11, dtype=torch.float64)
    G = analysis.transfer_function(fssm.init.lin(2), torch.ones(2, dtype=torch.complex128), s)
    with pytest.raises(ValueError, match=r"bands\[0\] lo must be <= bands\[0\] hi, got 3.0 > -3.0"):
        analysis.total_variation(G, s, bands=[(3.0, -3.0)])
    with pytest.raises(ValueError, match=r"bands\[1\] lo must be a real number, got nan"):
        analysis.total_variation(G, s, bands=[(0.0, 1.0), (math.nan, 3.0)])
    with pytest.raises(ValueError, match="bands must be a non-empty sequence of"):
        analysis.total_variation(G, s, bands=[])
    with pytest.raises(ValueError, match="G contains NaN"):
        analysis.total_variation(G * math.nan, s)
    with pytest.raises(TypeError, match="G must be a tensor"):
        analysis.total_variation([1.0, 2.0, 3.0], s[:3])
    # infinite band ends are fine and the bands still add up
    both = analysis.total_variation(G, s, bands=[(-math.inf, 0.0), (0.0, math.inf)])
    torch.testing.assert_close(both.sum(-1), analysis.total_variation(G, s))
    with pytest.raises(ValueError, match="lo must be <= hi, got 3.0 > -3.0"):
        analysis.mode_total_variation(1.0, -1 + 1j, lo=3.0, hi=-3.0)
    with pytest.raises(ValueError, match="lo must be a real number, got nan"):
        analysis.mode_total_variation(1.0, -1 + 1j, lo=math.nan)
    with pytest.raises(ValueError, match="c must be a finite"):
        analysis.mode_total_variation("abc", -1 + 1j)
    with pytest.raises(ValueError, match="a must be a finite"):
        analysis.mode_total_variation(1.0, complex(math.nan, 1.0))


# ----------------------------------------------------------------------------- seeds and devices
@pytest.mark.parametrize("seed", [2**70, 2**64 - 1, 2**32])
def test_seeds_outside_what_numpy_takes_are_named(seed):
    with pytest.raises(ValueError, match=r"seed must be an integer with 0 <= seed <= 2\*\*32 - 1"):
        fssm.seed_everything(seed)
    with pytest.raises(ValueError, match=r"seed must be an integer with 0 <= seed <= 2\*\*32 - 1"):
        WavesDataset(2, L=8, seed=seed)
    assert fssm.seed_everything(2**32 - 1) == 2**32 - 1


def test_unknown_or_absent_devices_list_what_is_allowed(monkeypatch):
    for bad in ("foo", "meta", ""):
        with pytest.raises(ValueError, match=r"device must be 'cpu', 'cuda', 'cuda:N' or 'mps' \(available here: 'cpu'"):
            fssm.get_device(bad)
    absent = f"cuda:{torch.cuda.device_count()}" if torch.cuda.is_available() else "cuda"
    with pytest.raises(DeviceError, match=f"device '{absent}' is not available on this machine; available: 'cpu'") as e:
        fssm.get_device(absent)
    assert isinstance(e.value, RuntimeError)  # what torch raised for a bad device: handlers of it still work
    monkeypatch.setenv("FSSM_DEVICE", "foo")
    with pytest.raises(ValueError, match=r"\$FSSM_DEVICE must be .* got 'foo'"):
        fssm.get_device()
    with pytest.raises(TypeError, match="device must be None, a string or a torch.device, got int"):
        fssm.get_device(3)
    assert fssm.get_device("cpu") == torch.device("cpu")


def test_register_names_a_bad_module_name_or_tensor():
    m = torch.nn.Module()
    with pytest.raises(TypeError, match="module must be a torch.nn.Module"):
        register(None, "x", torch.zeros(2))
    with pytest.raises(ValueError, match="name must be a Python identifier"):
        register(m, "a.b", torch.zeros(2))
    with pytest.raises(TypeError, match="tensor 'x' must be a torch.Tensor, got list"):
        register(m, "x", [1.0])
    with pytest.raises(ValueError, match="tensor 'x' must be floating-point or complex"):
        register(m, "x", torch.zeros(2, dtype=torch.int64))


# ----------------------------------------------------------------------------- the model
def test_model_names_dtype_device_and_length_of_its_input():
    model = small_model()
    with pytest.raises(ValueError, match=r"x has dtype torch.float64 but the parameters it meets are torch.float32"):
        model(torch.randn(2, 10, 1, dtype=torch.float64))
    assert model.double()(torch.randn(2, 10, 1, dtype=torch.float64)).dtype == torch.float64
    with pytest.raises(ValueError, match="x is on meta but the parameters it meets are on cpu"):
        model(torch.randn(2, 10, 1, device="meta", dtype=torch.float64))
    with pytest.raises(ValueError, match=r"x must hold sequences of length L >= 1, got shape \(2, 0, 1\)"):
        model(torch.randn(2, 0, 1, dtype=torch.float64))


@pytest.mark.parametrize("kw, x, out", [
    ({}, torch.zeros(0, 10, 1), (0, 2)),
    ({"pool": None}, torch.zeros(0, 10, 1), (0, 10, 2)),
    ({"vocab_size": 5, "norm": "batch"}, torch.zeros(0, 7, dtype=torch.int64), (0, 2)),
])
def test_model_maps_an_empty_batch_to_an_empty_output(kw, x, out):
    y = small_model(**kw)(x)
    assert y.shape == out and y.dtype == torch.float32


def test_token_ids_outside_the_vocabulary_name_the_largest_id():
    model = small_model(vocab_size=5)
    x = torch.tensor([[0, 1, 2, 9, 4, 3, 0]])
    with pytest.raises(ValueError, match=r"token ids outside \[0, 5\) \(vocab_size = 5\): largest id 9, smallest id 0"):
        model(x)
    with pytest.raises(ValueError, match="smallest id -2"):
        model(x.clamp(max=4) - 2)


def test_blocks_and_two_towers_check_their_arguments():
    with pytest.raises(ValueError, match="norm must be one of 'layer', 'batch', None; got 'group'"):
        ResidualBlock(4, norm="group", d_state=2)
    with pytest.raises(ValueError, match="prenorm must be True or False, got 'no'"):
        small_model(prenorm="no")
    block = ResidualBlock(4, d_state=2)
    with pytest.raises(ValueError, match=r"x must have 3 dimensions \(shape \(B, 4, L\)\), got shape \(4, 10\)"):
        block(torch.randn(4, 10))
    with pytest.raises(ValueError, match=r"x must have 4 channels in dimension 1"):
        block(torch.randn(2, 3, 10))
    with pytest.raises(TypeError, match="encoder must be a torch.nn.Module, got NoneType"):
        TwoTowerClassifier(None, 3, 2)
    wrong = TwoTowerClassifier(SequenceModel(1, 5, d_model=4, n_layers=1, d_state=2), 3, 2)
    with pytest.raises(ValueError, match=r"d_features = 3 features.*got \(4, 5\)"):
        wrong(torch.randn(2, 2, 6, 1))
    towers = TwoTowerClassifier(SequenceModel(1, 3, d_model=4, n_layers=1, d_state=2), 3, 2)
    assert towers(torch.randn(0, 2, 6, 1)).shape == (0, 2)


# ----------------------------------------------------------------------------- batches and waves
@pytest.mark.parametrize("args, kw, match", [
    (lambda x, y: [x[:0], y[:0]], {}, "at least one sample, got a first dimension of 0"),
    (lambda x, y: x, {}, r"a sequence of tensors such as \(x, y\) or \(x,\), got a single Tensor"),
    (lambda x, y: [[1, 2], [3, 4]], {}, r"tensors\[0\] must be a tensor"),
    (lambda x, y: [x, torch.tensor(1.0)], {}, r"tensors\[1\] must be a tensor with a first \(sample\) dimension, got shape \(\)"),
    (lambda x, y: [x, y.to("meta")], {}, r"tensors must be on one device, got \['cpu', 'meta'\]"),
    (lambda x, y: [x, y], {"shuffle": "no"}, "shuffle must be True or False"),
    (lambda x, y: [x, y], {"drop_last": True, "batch_size": 11}, "batch_size must be <= the 10 samples with drop_last=True"),
    (lambda x, y: [x, y[:5]], {}, r"share their first dimension, got lengths \[10, 5\]"),
])
def test_batches_reject_empty_misaligned_or_misplaced_tensors(args, kw, match):
    x, y = torch.randn(10, 3), torch.arange(10)
    with pytest.raises(ValueError, match=match):
        Batches(args(x, y), **{"batch_size": 4, **kw})


@pytest.mark.parametrize("call, match", [
    (lambda: superposed_waves(torch.ones(3, 2, dtype=torch.int64), [1.0, 2.0], 0.1, 5), "real floating-point"),
    (lambda: superposed_waves([[0.5, 0.5]], [1.0, 2.0], 0.1, 5), "amplitudes must be a torch.Tensor"),
    (lambda: superposed_waves(torch.ones(3, 2) * math.nan, [1.0, 2.0], 0.1, 5), "amplitudes contains NaN"),
    (lambda: superposed_waves(torch.ones(3, 2), [math.inf, 2.0], 0.1, 5), "freqs contains NaN or Inf"),
    (lambda: superposed_waves(torch.ones(3, 2), [[1.0, 2.0]], 0.1, 5), "freqs must be a non-empty sequence"),
    (lambda: WavesDataset(2, freqs=(), L=8), "freqs must be a non-empty sequence"),
    (lambda: WavesDataset(2, freqs=3.0, L=8), "freqs must be a non-empty sequence of real numbers, got 3.0"),
    (lambda: WavesDataset(2, freqs=(math.nan, 1.0), L=8, split="test"), "freqs contains NaN"),
    (lambda: WavesDataset(2, freqs=tuple(range(1, 21)), L=8), r"W = 20 waves has 1e\+20 grid points.*split='test'"),
    (lambda: amplitude_grid([], 2), "levels must be a non-empty sequence"),
    (lambda: amplitude_grid([0.1, math.nan], 2), "levels contains NaN"),
])
def test_wave_generators_reject_bad_frequencies_amplitudes_and_grids(call, match):
    with pytest.raises(ValueError, match=match):
        call()


# ----------------------------------------------------------------------------- plots
def test_plot_helpers_name_what_they_were_given():
    fig, ax = plot.figure()
    try:
        kernel = fssm.S4DKernel(2, 3)
        with pytest.raises(TypeError, match="A must be a tensor or array of numbers, got str"):
            plot.plot_poles(ax, "abc")
        with pytest.raises(ValueError, match="A must be a tensor or array of numbers, got S4DKernel"):
            plot.plot_poles(ax, kernel)
        with pytest.raises(ValueError, match="G must be a tensor or array of numbers, got S4DKernel"):
            plot.magnitude_db(kernel)
        with pytest.raises(ValueError, match="ax must be a matplotlib Axes"):
            plot.plot_magnitude(None, torch.arange(3.0), torch.ones(3))
        with pytest.raises(ValueError, match="ncols must be an integer >= 1, got 0"):
            plot.figure(ncols=0)
        with pytest.raises(ValueError, match="width must be a finite real number > 0.0, got nan"):
            plot.figure(width=math.nan)
    finally:
        matplotlib.pyplot.close("all")


def test_transfer_function_broadcasts_C_shared_by_every_channel():
    """A c(H N) with C c(N) (one C for every channel), as chapter 6 calls it: the same as C repeated."""
    A = torch.tensor([[-0.5 + 1j, -0.5 + 3j], [-1.0 + 2j, -0.2 + 5j]], dtype=torch.complex128)
    C = torch.tensor([1.0 + 0.5j, 0.3 - 1j], dtype=torch.complex128)
    s = torch.linspace(0.0, 6.0, 13, dtype=torch.float64)
    torch.testing.assert_close(analysis.transfer_function(A, C, s),
                               analysis.transfer_function(A, C.expand(2, -1), s), rtol=0, atol=0)
