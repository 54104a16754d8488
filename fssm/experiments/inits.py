r"""The waves experiment over initializations and over a moved band: which part of the bias is placement, which
is scale, and which alpha suits a band?

Two sweeps of `fssm.experiments.waves`' model and training, each run exactly `waves.run` (same data, seeds,
learning rates and dt), differing only in the modes it starts from and the waves it sees:

- the *initialization ablation* (--waves book, the default): every initialization of --inits
  (`waves.WAVES_INITS`: the paper's waves init, fssm.init's S4D-Lin/Inv/LegS/Real, and the random rules
  Xavier, Kaiming and uniform of `fssm.init.random_init`, drawn per channel under the run's seed), each
  at every (alpha, beta) of --configs;
- the *moved band* (--waves moved): the four waves at `MOVED_PERIODS` = 16, 32, 64, 128 periods in the
  2048-sample window (pi k rad/time at dt = 2^-10, i.e. 0.05 to 0.39 rad/sample), a band three octaves
  wide that sits between the book's waves 2 and 4, so that alpha = 1 (the modes at 4 to 14 rad/time) is the
  wrong place; swept over alpha to find the best one, against which `fssm.analysis.suggest_alpha` is judged.

The CLI trains every init x (alpha, beta) x seed and writes NAME-SCALE.json (default NAME: waves-inits for
--waves book, waves-moved for --waves moved), each run recording its init, into --out.
"""
from __future__ import annotations

import dataclasses
import functools
import math
import time
from typing import Dict, List, Optional, Sequence, Tuple

from . import waves
from .cli import (add_run_arguments, cli_config, cli_device, experiment_parser, output_path, positive_int, print_plan,
                  run_plan, save_sweep)
from .common import git_commit, run_tasks

__all__ = ["MOVED_PERIODS", "moved_freqs", "WAVES_SETS", "ABLATION_INITS", "ABLATION_CONFIGS", "MOVED_CONFIGS",
           "sweep", "ablation_summary", "ablation_table", "listops_summary", "listops_table", "build_parser", "main", "EXAMPLES"]

# periods of the four waves in the book's 2048-sample window, for --waves moved
MOVED_PERIODS: Tuple[int, ...] = (16, 32, 64, 128)
WAVES_SETS = ("book", "moved")
ABLATION_INITS: Tuple[str, ...] = tuple(i for i in waves.WAVES_INITS if i != "spectral")  # 'spectral' reads the data
ABLATION_CONFIGS: Tuple[Tuple[float, float], ...] = ((1.0, 0.0), (10.0, 0.0))
MOVED_CONFIGS: Tuple[Tuple[float, float], ...] = tuple((a, 0.0) for a in (1.0, 3.0, 10.0, 30.0, 100.0))
DEFAULT_NAMES = {"book": "waves-inits", "moved": "waves-moved"}
EXAMPLES = (
    "python -m fssm.experiments.inits --scale book --jobs 2          # the ablation: every init at alpha 1 and 10",
    "python -m fssm.experiments.inits --scale book --waves moved --inits paper --jobs 2   # alpha sweep, moved band",
    "python -m fssm.experiments.inits --scale smoke --inits xavier lin --configs 1,0 --seeds 0 --dry-run",
)
CLI_FIELDS = {**waves.CLI_FIELDS, "init": "--inits", "freqs": "--waves"}


def moved_freqs(cfg: waves.WavesConfig) -> Tuple[float, ...]:
    """The moved band's frequencies (rad/time) at `cfg`'s step and window: 2 pi k / (L_book dt) for k in
    MOVED_PERIODS, L_book = waves.BOOK_PERIOD_LENGTH (whole periods in the book's window)."""
    return tuple(2 * math.pi * k / (waves.BOOK_PERIOD_LENGTH * cfg.dt) for k in MOVED_PERIODS)


def sweep(cfg: waves.WavesConfig, inits: Sequence[str], configs: Sequence[Tuple[float, float]],
          seeds: Sequence[int] = (0, 1, 2), device=None, jobs: int = 1, verbose: bool = False) -> List[Dict]:
    """`waves.run` for every init (outer), (alpha, beta) of `configs` and seed (inner), `jobs` at once
    (`common.run_tasks`); every configuration is checked before the first run trains (ValueError naming
    inits or configs)."""
    cfgs = waves.sweep_over(cfg, "init", inits, configs, ("inits", "configs"))
    tasks = [((c,), {"seed": s}) for c in cfgs for s in seeds]
    return run_tasks(waves.run, tasks, jobs=jobs, device=device,
                     on_result=(lambda r: print(f"init={r['init']} {waves.describe(r)}", flush=True))
                     if verbose else None)


# ----------------------------------------------------------------------------- what the runs show
def ablation_summary(runs: Sequence[Dict]) -> Dict[Tuple[str, float], Dict]:
    """{(init, alpha): {'mae': r(seeds, waves) final test MAE, 'learned': per wave the seeds that learned it
    (MAE < claims.LEARNED)}} of a sweep's records (beta = 0), in the order the runs came."""
    import numpy as np

    from .claims import LEARNED

    groups: Dict[Tuple[str, float], List] = {}
    for r in runs:
        if r["beta"] == 0:
            groups.setdefault((r.get("init", "paper"), float(r["alpha"])), []).append(r["final_test_mae"])
    out = {}
    for key, maes in groups.items():
        E = np.asarray(maes)
        out[key] = {"mae": E, "learned": (E < LEARNED).sum(0)}
    return out


def ablation_table(summary: Dict[Tuple[str, float], Dict], alphas: Sequence[float] = (1.0, 10.0)) -> str:
    """An HTML table: one row per init, per alpha the mean final MAE of each wave over the seeds, bold where
    every seed learned it, and the seeds that learned it."""
    import html

    inits_ = list(dict.fromkeys(k[0] for k in summary))
    head = "<tr><th rowspan='2'>init</th>" + "".join(
        f"<th colspan='4'>alpha = {a:g}: mean MAE per wave (seeds that learned it)</th>" for a in alphas) + "</tr>"
    head += "<tr>" + "".join(f"<th>wave {w}</th>" for _ in alphas for w in range(1, 5)) + "</tr>"
    body = []
    for name in inits_:
        cells = [f"<td>{html.escape(name)}</td>"]
        for a in alphas:
            entry = summary.get((name, a))
            if entry is None:
                cells.extend(["<td>-</td>"] * 4)
                continue
            n = len(entry["mae"])
            for mean, k in zip(entry["mae"].mean(0), entry["learned"]):
                text = f"{mean:.3f} ({k}/{n})"
                cells.append(f"<td><b>{text}</b></td>" if k == n else f"<td>{text}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return f'<table class="table"><thead>{head}</thead><tbody>{"".join(body)}</tbody></table>'


def listops_summary(stored_by_init: Dict[str, Dict]) -> Dict[Tuple[str, float], Dict]:
    """{(init, alpha): {'val', 'test': r(seeds) accuracies}} of the ListOps ablation's stored sweeps (one per
    init: lra-listops-inits_INIT-SCALE.json), beta = 0."""
    import numpy as np

    out: Dict[Tuple[str, float], Dict] = {}
    for name, stored in stored_by_init.items():
        for r in stored["runs"]:
            if r["beta"] == 0:
                e = out.setdefault((name, float(r["alpha"])), {"val": [], "test": []})
                e["val"].append(r["best_val_accuracy"])
                e["test"].append(r["test_accuracy"])
    return {k: {m: np.asarray(v) for m, v in e.items()} for k, e in out.items()}


def listops_table(summary: Dict[Tuple[str, float], Dict], alphas: Sequence[float] = (1.0, 3.0)) -> str:
    """An HTML table of `listops_summary`: per init and alpha, the mean validation accuracy (min-max over the
    seeds) and the mean test accuracy."""
    from .common import html_table

    head = ["init"] + [h for a in alphas for h in (f"alpha {a:g}: validation (min-max)", "test")]
    rows = []
    for name in dict.fromkeys(k[0] for k in summary):
        row = [name]
        for a in alphas:
            e = summary[(name, a)]
            row += [f"{e['val'].mean():.3f} ({e['val'].min():.3f}-{e['val'].max():.3f})", f"{e['test'].mean():.3f}"]
        rows.append(row)
    return html_table(head, rows)


def build_parser():
    """The CLI's options: --inits, --waves, --configs, --name, --jobs and the shared ones."""
    p = experiment_parser("inits", __doc__, EXAMPLES)
    p.add_argument("--inits", nargs="+", default=None, choices=waves.WAVES_INITS, metavar="INIT",
                   help=f"initializations, from {', '.join(waves.WAVES_INITS)} (default: all but spectral for --waves "
                        "book, paper for --waves moved)")
    p.add_argument("--waves", default="book", choices=WAVES_SETS,
                   help="the waves: the book's four (1, 8, 64, 512 periods) or the moved band (16, 32, 64, 128)")
    p.add_argument("--configs", nargs="+", default=None, metavar="ALPHA,BETA",
                   help="(alpha, beta) pairs (default: 1,0 10,0 for --waves book; alpha 1 3 10 30 100 at beta 0 "
                        "for --waves moved)")
    p.add_argument("--name", default=None, help="results file NAME-SCALE.json (default: waves-inits for --waves "
                                                "book, waves-moved for --waves moved)")
    p.add_argument("--jobs", type=positive_int, default=1,
                   help="runs trained at once in worker processes, each on threads // jobs threads (CPU only)")
    add_run_arguments(p, waves.WavesConfig, seeds=(0, 1, 2), fixed=CLI_FIELDS)
    return p


def main(argv=None) -> Optional[str]:
    """`python -m fssm.experiments.inits` (see --help): returns the results path written, None for --dry-run."""
    p = build_parser()
    args = p.parse_args(argv)
    cfg = cli_config(p, args, waves.WavesConfig, functools.partial(waves.WavesConfig.for_scale, args.scale), CLI_FIELDS)
    if args.waves == "moved":
        cfg = dataclasses.replace(cfg, freqs=moved_freqs(cfg))
    inits = args.inits or (list(ABLATION_INITS) if args.waves == "book" else ["paper"])
    default_configs = ABLATION_CONFIGS if args.waves == "book" else MOVED_CONFIGS
    configs = waves.parse_configs(p, args.configs or [f"{a:g},{b:g}" for a, b in default_configs], cfg)
    if len(set(inits)) < len(inits):
        p.error(f"--inits lists an init more than once: {' '.join(inits)}")
    device = cli_device(p, args)
    if args.jobs > 1 and device.type != "cpu":
        p.error(f"--jobs {args.jobs} trains runs side by side on the CPU; on {device} use --jobs 1")
    name = args.name or DEFAULT_NAMES[args.waves]
    recorded = {**dataclasses.asdict(cfg), "init": list(inits), "waves": args.waves}
    if args.dry_run:
        pairs = ", ".join(f"alpha={a:g} beta={b:g}" for a, b in configs)
        print_plan("inits", run_plan(
            args, recorded, device, output_path(name, args),
            runs=f"{len(inits) * len(configs) * len(args.seeds)} = {len(inits)} inits ({' '.join(inits)}) x "
                 f"{len(configs)} configurations x {len(args.seeds)} seeds ({pairs})",
            data=f"generated in memory (WavesDataset, seed {cfg.data_seed}): waves at "
                 + ", ".join(f"{f:.4g}" for f in cfg.freqs) + " rad/time; nothing to download"))
        return None
    t0, commit = time.perf_counter(), git_commit()
    runs = sweep(cfg, inits, configs, args.seeds, device=device, jobs=args.jobs, verbose=True)
    return save_sweep(name, args, recorded, runs, t0, commit)


if __name__ == "__main__":
    main()
