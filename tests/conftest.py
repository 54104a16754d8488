import warnings
import wave

import numpy as np
import pytest
import torch

import fssm


@pytest.fixture(autouse=True, scope="session")
def _outputs_in_a_temporary_folder(tmp_path_factory):
    """No test writes into the repository or the user's cache: CLI results (default $FSSM_RESULTS, see
    `fssm.experiments.common.default_out`) and generated data and run folders ($FSSM_DATA, see
    `fssm.data.registry.data_root`) go to one temporary folder for the whole session."""
    root = tmp_path_factory.mktemp("fssm-home")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("FSSM_RESULTS", str(root / "results"))
        mp.setenv("FSSM_DATA", str(root / "data"))
        yield root


@pytest.fixture(autouse=True)
def _seed_and_quiet():
    fssm.seed_everything(0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", fssm.AliasingWarning)
        yield


def dense_impulse_response(kernel: fssm.S4DKernel, L: int, channel: int = 0) -> torch.Tensor:
    """Impulse response of an independently built *real* dense 2N-state system (float64).

    Mode z' = a z + u, y = 2 Re(C z) with z = p + i q becomes the real block
    [p; q]' = [[x, -y], [y, x]] [p; q] + [1; 0] u,  y = [2 Re C, -2 Im C] [p; q].
    zoh: (Ad, Bd) from the matrix exponential of the augmented matrix [[A, B], [0, 0]] dt.
    bilinear: Ad = (I - dt A/2)^-1 (I + dt A/2), Bd = (I - dt A/2)^-1 dt B.
    """
    p = {k: v.detach().to(torch.complex128 if v.is_complex() else torch.float64) for k, v in kernel.ssm().items()}
    a, c, dt = p["A"][channel], p["C"][channel], p["dt"][channel].item()
    N = a.shape[0]
    A = torch.zeros(2 * N, 2 * N, dtype=torch.float64)
    B = torch.zeros(2 * N, 1, dtype=torch.float64)
    Cr = torch.zeros(1, 2 * N, dtype=torch.float64)
    for j in range(N):
        x, y = a[j].real, a[j].imag
        A[2 * j:2 * j + 2, 2 * j:2 * j + 2] = torch.tensor([[x, -y], [y, x]])
        B[2 * j, 0] = 1.0
        Cr[0, 2 * j], Cr[0, 2 * j + 1] = 2 * c[j].real, -2 * c[j].imag
    I = torch.eye(2 * N, dtype=torch.float64)
    if kernel.disc == "zoh":
        M = torch.zeros(2 * N + 1, 2 * N + 1, dtype=torch.float64)
        M[:2 * N, :2 * N], M[:2 * N, 2 * N:] = A * dt, B * dt
        E = torch.linalg.matrix_exp(M)
        Ad, Bd = E[:2 * N, :2 * N], E[:2 * N, 2 * N:]
    else:
        Ad = torch.linalg.solve(I - dt / 2 * A, I + dt / 2 * A)
        Bd = torch.linalg.solve(I - dt / 2 * A, dt * B)
    out, x = [], Bd
    for _ in range(L):
        out.append((Cr @ x).item())
        x = Ad @ x
    return torch.tensor(out, dtype=torch.float64)


def write_wav(path, samples, channels=1, width=2, rate=16000):
    """Write `samples` (integers) as a PCM WAV file: 16-bit little-endian (width 2) or 8-bit unsigned (width 1);
    Speech Commands' format is the default (mono, 16-bit, 16 kHz). Used to build fixture folders."""
    with wave.open(str(path), "wb") as w:
        w.setnchannels(channels)
        w.setsampwidth(width)
        w.setframerate(rate)
        w.writeframes(np.asarray(samples).astype("<i2" if width == 2 else np.uint8).tobytes())
