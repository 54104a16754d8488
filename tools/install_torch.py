"""Install the right PyTorch for this machine into the running interpreter's environment (`make` calls it).

    python tools/install_torch.py [--version 2.13.0] [--dry-run]

- torch already importable (Colab, a set-up made earlier): keep it.
- an NVIDIA GPU (`nvidia-smi -L` lists one): install nothing here; requirements.txt's range then takes
  the default index's CUDA build.
- no NVIDIA GPU: the CPU build torch==VERSION from PyTorch's CPU index (hundreds of MB instead of the
  several GB of the CUDA build and its nvidia-* packages). When that index cannot be reached within a few
  seconds (a closed network, a mirror-only machine), fall back to the default index, saying so.
$TORCH_CPU_INDEX overrides the CPU index's URL; the probe's timeout is $TORCH_INDEX_TIMEOUT seconds (5).
"""
from __future__ import annotations

import argparse
import importlib.util
import os
import shutil
import subprocess
import sys
import urllib.error
import urllib.request
from typing import List, Optional

CPU_INDEX = "https://download.pytorch.org/whl/cpu"


def has_nvidia_gpu() -> bool:
    """True when `nvidia-smi -L` runs and lists a GPU."""
    exe = shutil.which("nvidia-smi")
    if exe is None:
        return False
    try:
        out = subprocess.run([exe, "-L"], capture_output=True, text=True, timeout=20)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return out.returncode == 0 and "GPU" in out.stdout


def index_reachable(index: str, timeout: float) -> Optional[str]:
    """None when INDEX/torch/ answers within `timeout` seconds, else the reason it does not."""
    try:
        with urllib.request.urlopen(index.rstrip("/") + "/torch/", timeout=timeout):
            return None
    except (urllib.error.URLError, OSError, ValueError) as e:
        return str(getattr(e, "reason", e))


def plan(version: str) -> Optional[List[str]]:
    """The pip arguments to run (None: nothing to install), printing why."""
    if importlib.util.find_spec("torch") is not None:
        import torch

        print(f"torch {torch.__version__} is already installed: kept")
        return None
    if has_nvidia_gpu():
        print("NVIDIA GPU found: torch comes from requirements.txt (the default index's CUDA build)")
        return None
    index = os.environ.get("TORCH_CPU_INDEX") or CPU_INDEX
    timeout = float(os.environ.get("TORCH_INDEX_TIMEOUT") or 5)
    why = index_reachable(index, timeout)
    if why is None:
        print(f"no NVIDIA GPU: installing the CPU build torch=={version} from {index}")
        return ["install", "-q", f"torch=={version}", "--index-url", index]
    print(f"no NVIDIA GPU, and PyTorch's CPU index {index} cannot be reached ({why}): installing "
          f"torch=={version} from the default index instead")
    return ["install", "-q", f"torch=={version}"]


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python tools/install_torch.py", description=__doc__.split("\n")[0])
    p.add_argument("--version", default="2.13.0", help="the torch release to install on a CPU-only machine")
    p.add_argument("--dry-run", action="store_true", help="print the pip command instead of running it")
    args = p.parse_args(argv)
    pip_args = plan(args.version)
    if pip_args is None:
        return 0
    cmd = [sys.executable, "-m", "pip", *pip_args]
    if args.dry_run:
        print("would run:", " ".join(cmd))
        return 0
    return subprocess.run(cmd).returncode


if __name__ == "__main__":
    sys.exit(main())
