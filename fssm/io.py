"""Atomic file writes: what a user saved is never replaced by a half-written file.

Every writer of fssm (checkpoints, results, generated data, downloads) goes through `atomic_write`.
"""
from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import re
import socket
import tempfile
from typing import Callable, Iterator, Optional

from .utils import ArgumentTypeError

__all__ = ["atomic_write", "check_path"]

# errors of the file system itself: a full disk, a file size limit, a quota, a read-only or failing disk
_DISK_ERRORS = {errno.ENOSPC, errno.EFBIG, errno.EROFS, errno.EIO} | (
    {errno.EDQUOT} if hasattr(errno, "EDQUOT") else set())


def check_path(name: str, value, none_ok: bool = False) -> Optional[str]:
    """Return `value` (a str or os.PathLike naming a file or folder) as str, or raise ArgumentTypeError (a
    ValueError) naming `name`.

    `none_ok`: None is allowed (and returned) where the argument is optional or has a default location.
    """
    if value is None and none_ok:
        return None
    if isinstance(value, (str, os.PathLike)):
        path = os.fspath(value)
        if isinstance(path, str) and path:
            return path
    allowed = "a non-empty str or os.PathLike" + (" or None" if none_ok else "")
    raise ArgumentTypeError(f"{name} must be {allowed} (a file or folder), got {value!r}")


def _partial_prefix() -> str:
    """Prefix of this process's temporary files: '.part-HOST-PID-', HOST an 8-digit hash of the host name.

    A process killed mid-write (SIGKILL, power loss) leaves its temporary file behind; the next successful
    write into the same folder removes those of dead processes of this host (`_remove_stale_partials`).
    """
    host = hashlib.sha1(socket.gethostname().encode()).hexdigest()[:8]
    return f".part-{host}-{os.getpid()}-"


_PARTIAL = re.compile(r"^\.part-([0-9a-f]{8})-(\d+)-")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)  # signal 0: only asks whether the process exists
    except ProcessLookupError:
        return False
    except PermissionError:  # it exists, under another user
        return True
    return True


def _remove_stale_partials(folder: str) -> None:
    """Delete the temporary files in `folder` that writers of this host left when they died mid-write.

    Only files named by `_partial_prefix` whose process no longer exists; files of live processes (writing
    now), of other hosts (a shared file system) and every other file are left alone. POSIX only (elsewhere
    os.kill cannot ask whether a process exists).
    """
    if os.name != "posix":
        return
    host = _partial_prefix().split("-")[1]
    try:
        names = os.listdir(folder)
    except OSError:  # the write itself succeeded; tidying up is not worth an error
        return
    for name in names:
        match = _PARTIAL.match(name)
        if match and match.group(1) == host and int(match.group(2)) != os.getpid() and not _alive(int(match.group(2))):
            with contextlib.suppress(OSError):
                os.remove(os.path.join(folder, name))


@contextlib.contextmanager
def atomic_write(path: str, mode: str = "w", check: Optional[Callable[[str], None]] = None,
                 **open_kwargs) -> Iterator:
    """Open a temporary file beside `path` for writing; when the block ends without error (and
    `check(temporary_path)` does not raise), flush it to disk and rename it to `path` (mode 0644).

    On any error, including KeyboardInterrupt, the temporary file is removed and an existing `path`
    is left untouched; an error of the disk itself (full, a file size limit, a quota, read-only) is
    raised as OSError naming `path`. A process killed mid-write leaves its temporary file
    ('.part-...'); the next successful write into that folder deletes it. The folder of `path` is
    created if missing.
    """
    path = check_path("path", path)
    if mode not in ("w", "wb"):
        raise ValueError(f"atomic_write: mode must be 'w' or 'wb', got {mode!r}")
    if check is not None and not callable(check):
        raise TypeError(f"atomic_write: check must be a callable(temporary_path) or None, got {check!r}")
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=_partial_prefix())
    try:
        with os.fdopen(fd, mode, **open_kwargs) as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        if check is not None:
            check(tmp)
        os.chmod(tmp, 0o644)  # mkstemp creates 0600; saved files are meant to be read by their owner's tools
        os.replace(tmp, path)
    except OSError as e:
        if e.errno in _DISK_ERRORS and e.filename is None:
            raise OSError(e.errno, f"{e.strerror or e} while writing {path}; nothing was replaced (an earlier "
                                   f"file there is unchanged)") from e
        raise
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)
    _remove_stale_partials(folder)
