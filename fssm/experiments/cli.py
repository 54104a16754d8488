"""The command line every experiment shares: `python -m fssm.experiments.NAME` parsers with help, defaults and
examples, --set KEY=VALUE overrides of the config dataclass, device checks, --dry-run plans, and writing a
finished sweep's results file.
"""
from __future__ import annotations

import argparse
import dataclasses
import os
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence

import torch

from ..utils import SCALES, SEED_RANGE, get_device
from .common import default_out, provenance, results_path, write_results

__all__ = ["experiment_parser", "add_run_arguments", "parse_overrides", "cli_config", "check_device", "cli_device",
           "output_path", "run_plan", "print_plan", "save_sweep", "positive_int", "seed_int", "CLIFormatter",
           "check_run_arguments", "check_out_folder",
           "SCALE_HELP"]


SCALE_HELP = ("sizes of the run: smoke (seconds; pytest), book (a 2-core CPU, minutes; what the book shows), "
              "colab (one GPU, about 20 minutes), paper (the paper's setup; hours on a GPU)")


class CLIFormatter(argparse.ArgumentDefaultsHelpFormatter, argparse.RawDescriptionHelpFormatter):
    """--help of the experiment CLIs: each option's default after its help, description and examples as typed.

    A help text that already states its default in words (e.g. "default: the scale's") is left as it is.
    """

    def _get_help_string(self, action):
        if "default" in (action.help or ""):
            return action.help
        return super()._get_help_string(action)


def experiment_parser(name: str, doc: str, examples: Sequence[str]) -> argparse.ArgumentParser:
    """The parser of `python -m fssm.experiments.NAME`: that usage line, the module docstring `doc` as
    description, every option's default in --help, and the command lines `examples` as epilog."""
    epilog = "examples:\n" + "\n".join(f"  {line}" for line in examples)
    return argparse.ArgumentParser(prog=f"python -m fssm.experiments.{name}", description=doc.strip(),
                                   epilog=epilog, formatter_class=CLIFormatter)


def _int_in(low: int, what: str, high: Optional[int] = None) -> Callable[[str], int]:
    """An argparse type: an integer in [low, high] (no upper bound when high is None), else an error saying it
    must be `what`."""
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = low - 1
        if value < low or (high is not None and value > high):
            raise argparse.ArgumentTypeError(f"must be {what}, got {text!r}")
        return value

    return parse


# --epochs 0 is an error, not "the default"; seeds are what seed_everything takes (NumPy's range)
positive_int = _int_in(1, "a positive integer")
seed_int = _int_in(SEED_RANGE[0], f"an integer in [{SEED_RANGE[0]}, {SEED_RANGE[1]}]", high=SEED_RANGE[1])


def add_run_arguments(parser, config_cls, seeds: Sequence[int] = (0, 1, 2),
                      fixed: Optional[Mapping[str, str]] = None) -> None:
    """The options every experiment CLI shares: --scale, --seeds, --epochs, --set, --device, --out,
    --no-progress, --dry-run.

    config_cls: the experiment's config dataclass (its fields are what --set may change); fixed: {field:
    option} for fields set by an option of their own, which --set refuses naming that option.
    """
    fields = sorted(_settable_fields(config_cls, fixed or {}))
    parser.add_argument("--scale", default="book", choices=SCALES, help=SCALE_HELP)
    parser.add_argument("--seeds", nargs="+", type=seed_int, default=list(seeds), metavar="SEED",
                        help="model seeds; each configuration is trained once per seed")
    parser.add_argument("--epochs", type=positive_int, default=None, metavar="N",
                        help="epochs per run (default: the scale's; the same as --set epochs=N)")
    parser.add_argument("--set", nargs="+", default=[], metavar="KEY=VALUE",
                        help=f"override fields of {config_cls.__name__} (values are Python literals or plain "
                             f"strings), e.g. --set lr=0.01 batch_size=8; KEY is one of: {', '.join(fields)}")
    parser.add_argument("--device", default=None, help="cpu, cuda, cuda:N or mps (default: $FSSM_DEVICE, else "
                        "CUDA, MPS or CPU, whichever this machine has)")
    parser.add_argument("--out", default=None, metavar="DIR", help="folder of the results file (default: "
                        "$FSSM_RESULTS, else ./fssm-results; pass the repository's results/ to update the book's "
                        "stored results)")
    parser.add_argument("--no-progress", action="store_true",
                        help="no progress output (a terminal shows a bar per epoch, a log file one line per epoch)")
    parser.add_argument("--dry-run", action="store_true",
                        help="check the options, print what would run and where it would write, then exit without "
                             "training, generating, downloading or writing anything")


def _settable_fields(config_cls, fixed: Mapping[str, str]) -> List[str]:
    return [f.name for f in dataclasses.fields(config_cls) if f.name not in fixed]


def parse_overrides(items: Sequence[str], config_cls, fixed: Optional[Mapping[str, str]] = None) -> Dict[str, Any]:
    """--set's KEY=VALUE strings -> {field: value} for the dataclass `config_cls`.

    Values are Python literals (`ast.literal_eval`) or else plain strings: ["lr=0.01", "norm=layer",
    "listops_length=(10, 60)"] -> {'lr': 0.01, 'norm': 'layer', 'listops_length': (10, 60)}. ValueError
    naming the key for an unknown field, a field in `fixed` ({field: the option that sets it}), or an item
    without '='.
    """
    import ast

    if isinstance(items, str) or not all(isinstance(item, str) for item in items):
        raise ValueError(f"--set takes a list of KEY=VALUE strings, got {items!r}")
    fixed = fixed or {}
    fields = _settable_fields(config_cls, fixed)
    out: Dict[str, Any] = {}
    for item in items:
        key, sep, text = item.partition("=")
        if not sep:
            raise ValueError(f"--set takes KEY=VALUE, got {item!r}")
        if key in fixed:
            raise ValueError(f"--set {key}: {key} is set with {fixed[key]}")
        if key not in fields:
            raise ValueError(f"--set: unknown key {key!r}; {config_cls.__name__} has {', '.join(sorted(fields))}")
        try:
            out[key] = ast.literal_eval(text)
        except (ValueError, SyntaxError):
            out[key] = text
    return out


def cli_config(parser, args, config_cls, build: Callable[..., Any], fixed: Optional[Mapping[str, str]] = None,
               **given) -> Any:
    """The run's config from the command line: `build(**given, **--set overrides, epochs=--epochs)`.

    build: e.g. `functools.partial(WavesConfig.for_scale, args.scale)`; given: values of the experiment's own
    options. Also checks the options every CLI shares (`check_run_arguments`), so that a run cannot train for
    hours and then fail to write. A bad key or value ends the CLI with a usage error (exit status 2) that
    names it.
    """
    try:
        check_run_arguments(args)
        overrides = parse_overrides(args.set, config_cls, fixed)
        if args.epochs is not None:
            if "epochs" in overrides:
                raise ValueError("give --epochs N or --set epochs=N, not both")
            overrides["epochs"] = args.epochs
        return build(**{**given, **overrides})
    except (TypeError, ValueError) as e:
        parser.error(str(e))


def check_run_arguments(args) -> None:
    """Checks of the shared options beyond their types: --seeds without repeats, and a results folder (--out,
    else $FSSM_RESULTS, else ./fssm-results) that can be written: ValueError naming the option otherwise."""
    repeated = sorted({s for s in args.seeds if args.seeds.count(s) > 1})
    if repeated:
        raise ValueError(f"--seeds lists {', '.join(map(str, repeated))} more than once; give each seed once")
    option = "--out" if args.out is not None else ("$FSSM_RESULTS" if os.environ.get("FSSM_RESULTS") else
                                                   "the default results folder")
    check_out_folder(args.out if args.out is not None else default_out(), option)


def check_out_folder(folder: str, option: str = "--out") -> str:
    """`folder`, checked to be a folder that exists or can be created, and that this user can write into
    (nothing is created: a dry run writes nothing); ValueError naming `option` otherwise."""
    if not isinstance(folder, str) or not folder:
        raise ValueError(f"{option} must name a folder, got {folder!r}")
    path = os.path.abspath(folder)
    if os.path.exists(path) and not os.path.isdir(path):
        raise ValueError(f"{option} {folder} is a file, not a folder: results files are written into a folder")
    existing = path
    while not os.path.exists(existing):
        existing = os.path.dirname(existing)
    if not os.path.isdir(existing):
        raise ValueError(f"{option} {folder}: {existing} is a file, so the folder cannot be made")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise ValueError(f"{option} {folder}: {existing} is not writable by this user")
    return folder


def check_device(device: Optional[str] = None) -> torch.device:
    """`get_device(device)`, checked to exist on this machine; ValueError naming --device (or $FSSM_DEVICE)."""
    asked = f"--device {device}" if device else f"$FSSM_DEVICE={os.environ.get('FSSM_DEVICE')}"
    try:
        dev = get_device(device)
    except RuntimeError as e:
        raise ValueError(f"{asked} is not a device: {e}") from None
    if dev.type == "cuda" and (not torch.cuda.is_available() or (dev.index or 0) >= torch.cuda.device_count()):
        raise ValueError(f"{asked}: this machine has {torch.cuda.device_count()} CUDA devices")
    mps = getattr(torch.backends, "mps", None)
    if dev.type == "mps" and not (mps is not None and mps.is_available()):
        raise ValueError(f"{asked}: MPS is not available on this machine")
    return dev


def cli_device(parser, args) -> torch.device:
    """`check_device(args.device)`, or a usage error (exit status 2) naming --device."""
    try:
        return check_device(args.device)
    except ValueError as e:
        parser.error(str(e))


def output_path(name: str, args) -> str:
    """Absolute path of the results file a CLI run writes: `results_path(name, args.scale, args.out)`."""
    return os.path.abspath(results_path(name, args.scale, args.out))


def run_plan(args, config: Any, device: torch.device, path: str, **details) -> Dict[str, Any]:
    """A dry run's plan: scale, device, seeds, the full config, the experiment's `details` (e.g. runs=...,
    data=...), and the results file it would write."""
    cfg = dataclasses.asdict(config) if dataclasses.is_dataclass(config) else dict(config)
    return {"scale": args.scale, "device": str(device), "seeds": " ".join(map(str, args.seeds)),
            "config": ", ".join(f"{k}={v!r}" for k, v in cfg.items()), **details,
            "output": f"{path} ({'exists: would be replaced' if os.path.exists(path) else 'new'})"}


def print_plan(name: str, plan: Mapping[str, Any]) -> None:
    """Print a dry run's plan, 'key: value' (long values wrapped at spaces; a list: one line per item, as
    is, so that paths can be copied), on rank 0 only.

    Under torchrun every process runs the CLI; a dry run joins no process group, so torchrun's RANK
    environment variable picks the one process that prints.
    """
    import textwrap

    if int(os.environ.get("RANK", "0") or 0) != 0:
        return
    print(f"dry run of python -m fssm.experiments.{name}: nothing is trained, generated, downloaded or written")
    width = max(len(k) for k in plan) + 2
    for key, value in plan.items():
        if isinstance(value, (list, tuple)):
            lines = [str(item) for item in value]
        else:
            lines = textwrap.wrap(str(value), 110 - width, break_long_words=False, break_on_hyphens=False,
                                  subsequent_indent="  ")
        print(f"  {key + ':':<{width}}" + f"\n  {'':<{width}}".join(lines or [""]))


def save_sweep(name: str, args, config: Any, runs, started: float, commit: str) -> str:
    """Write NAME-SCALE.json (runs + provenance) into --out (default `default_out()`) and print its path."""
    import time

    payload = {"experiment": name, "runs": runs,
               **provenance(args.scale, args.seeds, config, time.perf_counter() - started, args.device, commit)}
    path = write_results(output_path(name, args), payload)
    print(f"wrote {path}", flush=True)
    return path
