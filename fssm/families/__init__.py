r"""Other SSM families under the same alpha/beta controls as S4D (book Part V).

One module per family, each tested against an independent reference (a dense system or a sequential loop):
`s4` (DPLR kernel of HiPPO-LegS via the Cauchy kernel and the Woodbury identity), `s5` (one MIMO diagonal
system shared by all channels, computed with a parallel scan), `selective` (the input-dependent selective
scan of Mamba, S6). `scan` holds the parallel scan of diagonal linear recurrences that S5 and S6 share.
Import the modules themselves: `from fssm.families import s4, s5, selective`.
"""
