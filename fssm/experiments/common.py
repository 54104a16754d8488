"""What every experiment shares: provenance of a run and atomic writing of results/NAME-SCALE.json."""
from __future__ import annotations

import dataclasses
import datetime as _dt
import json
import os
import subprocess
from typing import Any, Dict, Optional

import torch

from .. import __version__
from ..io import atomic_write
from ..utils import get_device

__all__ = ["add_run_arguments", "save_sweep", "git_commit", "provenance", "write_results", "read_results", "results_path", "RESULTS_DIR"]

RESULTS_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "results")


def git_commit() -> str:
    """HEAD of the repository fssm runs from, with '+dirty' when tracked files differ; 'unknown' without git."""
    return _git_commit()


def _git_commit() -> str:
    try:
        here = os.path.dirname(os.path.abspath(__file__))
        out = subprocess.run(["git", "rev-parse", "HEAD"], cwd=here, capture_output=True, text=True, timeout=10)
        commit = out.stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=here,
                               capture_output=True, text=True, timeout=10).stdout.strip()
        return (commit + ("+dirty" if dirty else "")) if commit else "unknown"
    except Exception:  # noqa: BLE001 - no git (e.g. installed from a wheel)
        return "unknown"


def provenance(scale: str, seed, config: Any, wall_seconds: float, device=None,
               commit: Optional[str] = None) -> Dict[str, Any]:
    """Scale, device name, torch and fssm versions, git commit, seed(s), wall time, date, full config.

    Pass `commit=git_commit()` taken when the run *started*: the code that ran is the code imported then.
    """
    dev = get_device(device)
    name = torch.cuda.get_device_name(dev) if dev.type == "cuda" else f"{dev.type} ({os.cpu_count()} cores)"
    cfg = dataclasses.asdict(config) if dataclasses.is_dataclass(config) else config
    return {
        "scale": scale,
        "device": name,
        "torch": torch.__version__,
        "fssm": __version__,
        "commit": commit or _git_commit(),
        "seed": seed,
        "wall_seconds": round(float(wall_seconds), 2),
        "date": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        "config": cfg,
    }


def results_path(name: str, scale: str, folder: Optional[str] = None) -> str:
    return os.path.join(folder or RESULTS_DIR, f"{name}-{scale}.json")


def write_results(path: str, payload: Dict[str, Any]) -> str:
    """Write JSON atomically (temporary file, then rename); returns the path."""
    with atomic_write(path) as f:
        json.dump(payload, f, indent=1)
        f.write("\n")
    return path


def read_results(name: str, scale: str, folder: Optional[str] = None) -> Optional[Dict[str, Any]]:
    """The stored results of a scale, or None when that run has not been made."""
    path = results_path(name, scale, folder)
    if not os.path.exists(path):
        return None
    with open(path) as f:
        return json.load(f)


def add_run_arguments(parser) -> None:
    """The CLI options every experiment shares: --device, --out, --no-progress."""
    parser.add_argument("--device", default=None)
    parser.add_argument("--out", default=None, help="results folder (default: the repository's results/)")
    parser.add_argument("--no-progress", action="store_true")


def save_sweep(name: str, args, config: Any, runs, started: float, commit: str) -> str:
    """Write results/NAME-SCALE.json for a finished sweep (runs + provenance) and say where."""
    import time

    payload = {"experiment": name, "runs": runs,
               **provenance(args.scale, args.seeds, config, time.perf_counter() - started, args.device, commit)}
    path = write_results(results_path(name, args.scale, args.out), payload)
    print(f"wrote {path}")
    return path
