r"""fssm: the library of the book *Frequency Bias of State Space Models*.

Notation glossary (the same table opens the book's notation chapter):

| symbol      | code name                         | meaning                                      | shape / dtype  |
|-------------|-----------------------------------|----------------------------------------------|----------------|
| B           | batch                             | batch size                                   | int            |
| H           | d_model                           | channels, one independent SSM each           | int            |
| N           | d_state                           | complex modes per channel (real state 2N)    | int            |
| L           | L                                 | sequence length                              | int            |
| u, y        | u, y                              | input and output of a layer                  | r(B H L)       |
| a_j=x_j+iy_j| ssm()["A"]                        | eigenvalue of diagonal A, x_j < 0            | c(H N)         |
| C_j         | ssm()["C"]                        | output weight, B folded in                   | c(H N)         |
| dt          | ssm()["dt"], exp(log_dt)          | discretization step                          | r(H)           |
| lambda_j, C~_j | discretize() -> (dA, dC)       | discrete pole and weight                     | c(H N)         |
| K_l         | kernel(L)                         | convolution kernel, 2 Re sum_j C~_j lambda^l | r(H L)         |
| D           | layer.D                           | skip term                                    | r(H)           |
| s           | s                                 | continuous frequency, rad per unit time      | r(S)           |
| omega       | omega                             | discrete frequency, rad per sample           | r(W)           |
| G(is)       | analysis.transfer_function        | transfer function of the ODE                 | c(H S)         |
| K^(omega)   | analysis.frequency_response       | response of the discrete kernel              | c(H W)         |
| alpha       | alpha                             | scale of Im(A) at init (mechanism 1)         | float > 0      |
| beta        | beta                              | Sobolev exponent, weight (1+k/M)^beta        | r(H)           |
| M           | sobolev_scale                     | frequency scale of the Sobolev weight        | float          |

Shapes in comments: r(...) real, c(...) complex.
"""
__version__ = "0.1.0"

from . import analysis, init, train  # noqa: E402
from .kernel import AliasingWarning, S4DKernel  # noqa: E402
from .layer import S4DLayer  # noqa: E402
from .model import SequenceModel  # noqa: E402
from .utils import describe_run, get_device, get_scale, register, seed_everything  # noqa: E402

__all__ = [
    "S4DKernel",
    "S4DLayer",
    "SequenceModel",
    "AliasingWarning",
    "analysis",
    "init",
    "train",
    "register",
    "seed_everything",
    "get_device",
    "get_scale",
    "describe_run",
    "__version__",
]
