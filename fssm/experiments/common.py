"""What every experiment shares: provenance of a run, and writing and finding NAME-SCALE.json results files.

The command-line side (parsers, --set, --dry-run plans) is in `fssm.experiments.cli`.
"""
from __future__ import annotations

import dataclasses
import datetime as _dt
import json
import os
import subprocess
from typing import Any, Dict, List, Optional, Sequence

import torch

from .. import __version__
from ..io import atomic_write, check_path
from ..utils import ArgumentTypeError, check_real, get_device

__all__ = ["check_config", "git_commit", "provenance", "write_results", "read_results", "results_path", "find_results",
           "results_dirs", "describe_stored", "group_runs", "default_out", "run_tasks", "html_table", "REPO_RESULTS", "PACKAGED_RESULTS"]

_PACKAGE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))  # .../fssm
# The repository's results/ when fssm is imported from a source checkout (editable install, PYTHONPATH);
# None when fssm was installed from a wheel (then the checkout is not there to read).
_CHECKOUT = os.path.dirname(_PACKAGE)
REPO_RESULTS: Optional[str] = (os.path.join(_CHECKOUT, "results")
                               if os.path.exists(os.path.join(_CHECKOUT, "pyproject.toml")) else None)
# The copy of results/ that a wheel carries as package data (pyproject.toml maps results/ to fssm._results).
PACKAGED_RESULTS = os.path.join(_PACKAGE, "_results")


def check_config(cfg, cls, name: str = "cfg"):
    """`cfg` if it is an instance of the config dataclass `cls`, else TypeError naming `name` and `cls`."""
    if not isinstance(cfg, cls):
        raise ArgumentTypeError(f"{name} must be a {cls.__name__} (e.g. {cls.__name__}.for_scale('book')), "
                                f"got {type(cfg).__name__}")
    return cfg


def results_dirs() -> List[str]:
    """The folders `read_results` searches, in order; the first that holds a file wins.

    1. $FSSM_RESULTS: your own runs (CLI runs write there by default too, see `default_out`);
    2. the repository's results/ when fssm runs from a source checkout;
    3. the stored results shipped inside the installed package (a wheel, or Colab's `pip install git+...`).
    """
    dirs = [os.environ.get("FSSM_RESULTS") or None, REPO_RESULTS, PACKAGED_RESULTS]
    return list(dict.fromkeys(os.path.abspath(d) for d in dirs if d))


def default_out() -> str:
    """Where a CLI run writes when no --out is given: $FSSM_RESULTS, else ./fssm-results (never the package)."""
    return os.path.abspath(os.environ.get("FSSM_RESULTS") or "fssm-results")


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
    check_real("wall_seconds", wall_seconds, low=0.0)
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
    """FOLDER/NAME-SCALE.json; the folder defaults to `default_out()`. NAME and SCALE: plain words (no folder),
    e.g. 'waves' and 'book'."""
    for what, word in (("name", name), ("scale", scale)):
        if not isinstance(word, str) or not word or os.sep in word or word in (".", ".."):
            raise ValueError(f"{what} must be a plain word such as 'waves' or 'book' (no folder), got {word!r}")
    return os.path.join(check_path("folder", folder, none_ok=True) or default_out(), f"{name}-{scale}.json")


def write_results(path: str, payload: Dict[str, Any]) -> str:
    """Write JSON atomically (temporary file, then rename); returns the path. An earlier file at `path` stays
    as it was when the write fails (a full disk: OSError naming the path; a value JSON cannot hold:
    TypeError naming the path)."""
    path = check_path("path", path)
    if not isinstance(payload, dict):
        raise ArgumentTypeError(f"payload must be a dict, got {type(payload).__name__}")
    try:
        with atomic_write(path) as f:
            json.dump(payload, f, indent=1)
            f.write("\n")
    except (TypeError, ValueError) as e:
        raise ArgumentTypeError(f"results for {path} cannot be written as JSON ({e}); nothing was written") from e
    return path


def find_results(name: str, scale: str, folder: Optional[str] = None) -> Optional[str]:
    """Path of the stored NAME-SCALE.json: in `folder` if given, else the first of `results_dirs()`."""
    for d in ([folder] if folder else results_dirs()):
        path = os.path.join(d, f"{name}-{scale}.json")
        if os.path.exists(path):
            return path
    return None


def read_results(name: str, scale: str, folder: Optional[str] = None) -> Optional[Dict[str, Any]]:
    """The stored results of a scale (searched as `find_results` does, which also gives the file's path), or None
    when that run has not been made."""
    path = find_results(name, scale, folder)
    if path is None:
        return None
    with open(path, encoding="utf-8") as f:
        try:
            return json.load(f)
        except ValueError as e:  # JSONDecodeError (cut short, edited by hand) or UnicodeDecodeError
            raise ValueError(f"results file {path} is not valid JSON ({e}): restore it, or delete it and rerun "
                             f"the experiment") from e


def describe_stored(stored: Optional[Dict[str, Any]], name: str, scale: str, command: Optional[str] = None) -> str:
    """One line for a chapter: where a stored result comes from, or that it is not stored yet.

    stored: what `read_results(name, scale)` returned. The line names the scale, device, commit and date of
    the stored run (never the local path, which differs between machines); when `stored` is None it says
    so and, if given, the command that makes the file.
    """
    if stored is None:
        how = f"; `{command}` makes it" if command else ""
        return f"{name}-{scale}.json is not stored yet{how}"
    return (f"stored {name}-{scale}.json: scale {stored['scale']} | device {stored['device']} | "
            f"commit {str(stored['commit'])[:10]} | date {str(stored['date'])[:10]} | torch {stored.get('torch', '?')}")


def group_runs(runs, value: str, keys=("alpha", "beta")) -> Dict[tuple, "np.ndarray"]:
    """{(run[k] for k in keys): array of run[value] over the runs with those keys (seeds)}, sorted by key.

    Keys are compared as stored (a learned beta is the string 'learn'); sorting uses their text form for
    keys of mixed types.
    """
    import numpy as np

    groups: Dict[tuple, list] = {}
    for r in runs:
        groups.setdefault(tuple(r[k] for k in keys), []).append(r[value])
    order = sorted(groups, key=lambda key: tuple((isinstance(v, str), v if not isinstance(v, str) else 0, str(v))
                                               for v in key))
    return {key: np.asarray(groups[key]) for key in order}


def _call_in_worker(task):
    """One task of `run_tasks(jobs > 1)` in its worker process, on `threads` threads."""
    fn, args, kwargs, threads = task
    torch.set_num_threads(threads)
    return fn(*args, **kwargs)


def run_tasks(fn, tasks, jobs: int = 1, device=None, on_result=None) -> List[Any]:
    """[fn(*args, device=device, **kwargs) for (args, kwargs) in tasks], in the tasks' order.

    jobs: tasks run at once, each in a fresh worker process ('spawn': no forked torch thread pools) on
    torch.get_num_threads() // jobs threads (CPU only; ValueError naming jobs on another device). fn must be
    importable (a module-level function) and seed itself, so that its result does not depend on which worker
    runs it; only round-off differs from a run on more threads. on_result(result) is called as each result
    comes back (in order), e.g. to print it.
    """
    from ..utils import check_int

    jobs = check_int("jobs", jobs, low=1)
    dev = get_device(device)
    if jobs > 1 and dev.type != "cpu":
        raise ValueError(f"jobs > 1 trains runs side by side on the CPU's cores; got jobs={jobs} with device "
                         f"{dev} (use jobs=1 on a GPU)")
    results: List[Any] = []
    if jobs == 1:
        for args, kwargs in tasks:
            results.append(fn(*args, device=device, **kwargs))
            if on_result is not None:
                on_result(results[-1])
        return results
    import concurrent.futures
    import multiprocessing

    threads = max(1, torch.get_num_threads() // jobs)
    context = multiprocessing.get_context("spawn")
    with concurrent.futures.ProcessPoolExecutor(jobs, mp_context=context) as pool:
        futures = [pool.submit(_call_in_worker, (fn, args, {**kwargs, "device": "cpu"}, threads))
                   for args, kwargs in tasks]
        for future in futures:
            results.append(future.result())
            if on_result is not None:
                on_result(results[-1])
    return results


def html_table(head: Sequence[str], rows: Sequence[Sequence[str]], css: str = "table", escape: bool = True) -> str:
    """An HTML table of header cells `head` and body `rows` (lists of cell texts), the book's table class `css`.
    escape=False for cells that already hold HTML (e.g. <b>), escaped by their caller."""
    import html

    cell = html.escape if escape else str
    thead = "<tr>" + "".join(f"<th>{html.escape(h)}</th>" for h in head) + "</tr>"
    body = "".join("<tr>" + "".join(f"<td>{cell(c)}</td>" for c in r) + "</tr>" for r in rows)
    return f'<table class="{css}"><thead>{thead}</thead><tbody>{body}</tbody></table>'
