"""Atomic file writes: what a user saved is never replaced by a half-written file.

Every writer of fssm (checkpoints, results, generated data, downloads) goes through `atomic_write`.
"""
from __future__ import annotations

import contextlib
import os
import tempfile
from typing import Callable, Iterator, Optional

__all__ = ["atomic_write"]


@contextlib.contextmanager
def atomic_write(path: str, mode: str = "w", check: Optional[Callable[[str], None]] = None,
                 **open_kwargs) -> Iterator:
    """Open a temporary file beside `path` for writing; when the block ends without error (and
    `check(temporary_path)` does not raise), flush it to disk and rename it to `path` (mode 0644).

    On any error, including KeyboardInterrupt, the temporary file is removed and an existing `path`
    is left untouched. The folder of `path` is created if missing.
    """
    if mode not in ("w", "wb"):
        raise ValueError(f"atomic_write: mode must be 'w' or 'wb', got {mode!r}")
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".part-")
    try:
        with os.fdopen(fd, mode, **open_kwargs) as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        if check is not None:
            check(tmp)
        os.chmod(tmp, 0o644)  # mkstemp creates 0600; saved files are meant to be read by their owner's tools
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)
