r"""Data-parallel training under `torchrun`: process group, sharded loaders, reductions (used by fssm.train).

    torchrun --nproc_per_node=K -m fssm.experiments.lra --task listops --scale colab

`torchrun` sets RANK, WORLD_SIZE and LOCAL_RANK; `init_distributed()` reads them and joins the group
(NCCL on CUDA, gloo on CPU). Without them every function here is a no-op for a single process, so the
same code path trains on one CPU, one GPU or K GPUs.

Why the loss curves match: `shard_loader` uses a `DistributedSampler` for every run, also a single
process. Its permutation depends only on (seed, epoch); rank r takes positions r, r+K, r+2K, ... of it.
With a per-rank batch of G/K, the K rank batches of step s together hold exactly the G samples of the
single process's batch s, and DDP averages the gradients of the K equal-sized mean losses: the update
is the one of the single process on the global batch (up to floating-point summation order). BatchNorm
is the exception: its statistics are per rank unless converted to SyncBatchNorm (CUDA only).
"""
from __future__ import annotations

import os
import warnings
from dataclasses import dataclass
from typing import Optional

import torch
import torch.distributed as dist
from torch import nn
from torch.utils.data import DataLoader, Dataset, DistributedSampler

from .utils import ArgumentTypeError, check_bool, check_int, check_seed, get_device

__all__ = ["DistInfo", "init_distributed", "shutdown_distributed", "is_distributed", "is_main_process",
           "world_size", "rank",
           "shard_loader", "all_reduce_sum", "wrap_model", "unwrap_model", "barrier"]


@dataclass(frozen=True)
class DistInfo:
    """rank in [0, world_size); local_rank picks the GPU of this process; device is where it trains."""

    rank: int
    world_size: int
    local_rank: int
    device: torch.device


def is_distributed() -> bool:
    return dist.is_available() and dist.is_initialized()


def world_size() -> int:
    """Number of processes in the group (1 without torchrun)."""
    return dist.get_world_size() if is_distributed() else 1


def rank() -> int:
    """This process's rank (0 without torchrun)."""
    return dist.get_rank() if is_distributed() else 0


def is_main_process() -> bool:
    """True on rank 0 (and in a single process): the one that prints, logs and writes files."""
    return rank() == 0


def init_distributed(device: Optional[str] = None) -> DistInfo:
    """Join the process group when launched by torchrun (WORLD_SIZE > 1); otherwise a single process.

    On CUDA each process uses GPU LOCAL_RANK and NCCL; elsewhere gloo. Idempotent.
    """
    world = _env_int("WORLD_SIZE", 1, low=1)
    if world <= 1:
        return DistInfo(0, 1, 0, get_device(device))
    this_rank, local_rank = _env_int("RANK", None, low=0, high=world - 1), _env_int("LOCAL_RANK", 0, low=0)
    dev = get_device(device)
    if dev.type == "cuda":
        dev = torch.device("cuda", local_rank)
        torch.cuda.set_device(dev)
    if not is_distributed():
        dist.init_process_group("nccl" if dev.type == "cuda" else "gloo")
    return DistInfo(this_rank, world, local_rank, dev)


def _env_int(name: str, default: Optional[int], low: int, high: Optional[int] = None) -> int:
    """The integer environment variable `name` (as torchrun sets it), or `default` when unset (None: required);
    ValueError naming the variable otherwise."""
    text = os.environ.get(name)
    if text is None or text == "":
        if default is None:
            raise ValueError(f"${name} is not set although $WORLD_SIZE is {os.environ.get('WORLD_SIZE')}: launch "
                             f"with torchrun, which sets RANK, WORLD_SIZE and LOCAL_RANK")
        return default
    try:
        value = int(text)
    except ValueError:
        value = None
    return check_int(f"${name}", value if value is not None else text, low=low, high=high)


def shutdown_distributed() -> None:
    if is_distributed():
        dist.destroy_process_group()


def barrier() -> None:
    if is_distributed():
        dist.barrier()


def shard_loader(dataset: Dataset, global_batch: int, shuffle: bool, seed: int = 0, drop_last: bool = False,
                 num_workers: int = 0) -> DataLoader:
    """A DataLoader over this rank's shard with per-rank batch global_batch / world_size.

    Training loaders (shuffle=True) reshuffle each epoch through `sampler.set_epoch`, which `fit` calls.
    Evaluation loaders (shuffle=False) give each rank a disjoint, contiguous-stride shard without the
    padding DistributedSampler would add, so that summed metrics count every sample exactly once.
    """
    global_batch = check_int("global_batch", global_batch, low=1)
    seed = check_seed(seed)
    num_workers = check_int("num_workers", num_workers, low=0)
    check_bool("shuffle", shuffle)
    check_bool("drop_last", drop_last)
    try:
        n = len(dataset)
    except TypeError:
        raise ArgumentTypeError(f"dataset must be a map-style Dataset with a length, got {type(dataset).__name__}") from None
    if n == 0:
        raise ValueError("dataset is empty: there is nothing to load")
    world, this_rank = world_size(), rank()
    if global_batch % world:
        raise ValueError(f"batch size {global_batch} must be a multiple of the number of processes {world}")
    if shuffle:
        sampler = DistributedSampler(dataset, num_replicas=world, rank=this_rank, shuffle=True, seed=seed,
                                     drop_last=drop_last)
        return DataLoader(dataset, batch_size=global_batch // world, sampler=sampler, drop_last=drop_last,
                          num_workers=num_workers)
    shard = torch.utils.data.Subset(dataset, range(this_rank, n, world))
    return DataLoader(shard, batch_size=max(1, global_batch // world), shuffle=False, num_workers=num_workers)


def all_reduce_sum(values: torch.Tensor) -> torch.Tensor:
    """Sum of `values` over all ranks (float64 on the CPU for gloo; unchanged in a single process)."""
    if not isinstance(values, torch.Tensor):
        raise ArgumentTypeError(f"values must be a torch.Tensor, got {type(values).__name__}")
    if not is_distributed():
        return values
    out = values.detach().to(torch.float64)
    if dist.get_backend() == "nccl":
        out = out.cuda()
    dist.all_reduce(out, op=dist.ReduceOp.SUM)
    return out.cpu()


def wrap_model(model: nn.Module, info: DistInfo, sync_batchnorm: bool = True) -> nn.Module:
    """DistributedDataParallel around `model` when running under torchrun; `model` itself otherwise.

    BatchNorm becomes SyncBatchNorm on CUDA (sync_batchnorm); on CPU it cannot (PyTorch supports it on
    GPUs only) and each rank normalizes by its own batch statistics: a warning says so.
    """
    if not isinstance(model, nn.Module):
        raise ArgumentTypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    if not isinstance(info, DistInfo):
        raise ArgumentTypeError(f"info must be the DistInfo of init_distributed(), got {type(info).__name__}")
    if not is_distributed():
        return model
    has_bn = any(isinstance(m, nn.modules.batchnorm._BatchNorm) for m in model.modules())
    if has_bn and sync_batchnorm and info.device.type == "cuda":
        model = nn.SyncBatchNorm.convert_sync_batchnorm(model)
    elif has_bn and info.rank == 0:
        warnings.warn("BatchNorm under DDP on the CPU uses per-rank statistics (SyncBatchNorm needs a GPU): "
                      "the run is not identical to a single process on the global batch", stacklevel=2)
    ids = [info.local_rank] if info.device.type == "cuda" else None
    return nn.parallel.DistributedDataParallel(model, device_ids=ids)


def unwrap_model(model: nn.Module) -> nn.Module:
    """The module inside a DDP wrapper (whose state dict has no 'module.' prefix)."""
    return model.module if isinstance(model, nn.parallel.DistributedDataParallel) else model
