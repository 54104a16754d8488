"""The gradient of the loss with respect to log dt (book chapter 5, section 5.5).

With zero-order hold the kernel is K = dt F(dt a_1, ..., dt a_N; c), so the discrete frequencies
omega_j = dt Im(a_j) all obey d omega_j / d log dt = omega_j, and
dL/dlog dt = sum_j (y_j dL/dy_j + x_j dL/dx_j + <c_j, dL/dc_j>) per channel (x_j dL/dx_j is the gradient of
log_A_real). Both fast and reference kernels must satisfy it exactly (to round-off).
"""
import math

import pytest
import torch

from fssm.kernel import S4DKernel


def _kernel(mode):
    torch.manual_seed(0)
    k = S4DKernel(3, 4, init="lin", dt_min=1e-3, dt_max=1e-1, mode=mode).double()
    return k


@pytest.mark.parametrize("mode", ["fast", "reference"])
def test_log_dt_gradient_is_the_scaling_identity(mode):
    k = _kernel(mode)
    weights = torch.randn(3, 64, dtype=torch.float64, generator=torch.Generator().manual_seed(1))
    loss = (weights * k(64)).sum() + (k(64) ** 2).mean()
    loss.backward()
    rhs = (k.A_imag * k.A_imag.grad).sum(1) + k.log_A_real.grad.sum(1) + (k.C * k.C.grad).sum((1, 2))
    torch.testing.assert_close(k.log_dt.grad, rhs, rtol=1e-10, atol=1e-12)
    # the frequency term alone is not the whole gradient: the identity above is not vacuous
    assert ((k.A_imag * k.A_imag.grad).sum(1) - k.log_dt.grad).abs().max() > 1e-6


def test_log_dt_gradient_matches_a_central_difference():
    k = _kernel("fast")
    loss = lambda: (k(32) ** 2).sum()  # noqa: E731
    loss().backward()
    h = 1e-6
    with torch.no_grad():
        k.log_dt[1] += h
        up = loss().item()
        k.log_dt[1] -= 2 * h
        down = loss().item()
        k.log_dt[1] += h
    assert math.isclose((up - down) / (2 * h), k.log_dt.grad[1].item(), rel_tol=1e-6)


def test_discrete_frequencies_scale_with_dt():
    k = _kernel("fast")
    log_dt = k.log_dt.detach().clone()
    A = k.ssm()["A"].detach()

    def omega(t):  # angles of the zoh poles exp(dt a_j), rad/sample: r(H N)
        return torch.angle(torch.exp(torch.exp(t)[:, None] * A))

    J = torch.autograd.functional.jacobian(omega, log_dt)  # r(H N H)
    own = J[torch.arange(3), :, torch.arange(3)]
    torch.testing.assert_close(own, omega(log_dt), rtol=1e-12, atol=1e-14)
    off = J.clone()
    off[torch.arange(3), :, torch.arange(3)] = 0.0
    assert off.abs().max() == 0.0  # a channel's dt moves only its own modes
