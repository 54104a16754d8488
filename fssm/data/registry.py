"""Downloadable data: where it lives (FSSM_DATA), what it must hash to, and an atomic, verified download.

Nothing here runs in the tests against the network: tests point a Resource at a local file:// URL.
"""
from __future__ import annotations

import hashlib
import os
import re
import shutil
import tarfile
import tempfile
import urllib.error
import urllib.request
import zlib
from dataclasses import dataclass
from typing import Dict, Optional

from ..io import atomic_write, check_path
from ..utils import ArgumentTypeError, check_bool, check_choice, check_real

__all__ = ["Resource", "REGISTRY", "check_path", "data_root", "file_digest", "verify", "download", "download_celeba",
           "download_lra_release", "download_speech_commands", "SPEECH_COMMANDS_FOLDER",
           "download_and_extract", "extract_tar_once", "lra_release_root", "lra_release_folder", "LRA_RELEASE_URL",
           "LRA_TASK_FOLDERS"]


@dataclass(frozen=True)
class Resource:
    """One file to download: its URL, the name it is saved under, and its checksum (md5 or sha256)."""

    name: str
    url: str
    filename: str
    md5: Optional[str] = None
    sha256: Optional[str] = None
    note: str = ""

    def __post_init__(self):
        for field in ("name", "url", "filename"):
            if not isinstance(getattr(self, field), str) or not getattr(self, field):
                raise ValueError(f"Resource.{field} must be a non-empty str, got {getattr(self, field)!r}")
        if os.path.basename(self.filename) != self.filename or self.filename in (".", ".."):
            raise ValueError(f"Resource.filename must be a plain file name (no folder), got {self.filename!r}")
        if not (self.md5 or self.sha256):
            raise ValueError(f"resource {self.name!r} needs an md5 or sha256 checksum")
        for field, digits in (("md5", 32), ("sha256", 64)):
            value = getattr(self, field)
            if value is not None and not (isinstance(value, str) and re.fullmatch(f"[0-9a-f]{{{digits}}}", value)):
                raise ValueError(f"Resource.{field} of {self.name!r} must be {digits} lowercase hex digits, "
                                 f"got {value!r}")


REGISTRY: Dict[str, Resource] = {r.name: r for r in [
    Resource("celeba-images", "https://drive.usercontent.google.com/download?id=0B7EVK8r0v71pZjFTYXZWM3FlRnM&confirm=t",
             "img_align_celeba.zip", md5="00d2c5bc6d35e252742224ab0c1e8fcb",
             note="CelebA aligned images (1.4 GB); download_celeba() fetches and unzips into FSSM_DATA/celeba/"),
    Resource("celeba-partition", "https://drive.usercontent.google.com/download?id=0B7EVK8r0v71pY0NSMzRuSXJEVkk&confirm=t",
             "list_eval_partition.txt", md5="d32c9cbf5e040fd4025c592c306e6668",
             note="CelebA train/val/test split; download_celeba() puts it into FSSM_DATA/celeba/"),
    Resource("cifar10-python", "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz",
             "cifar-10-python.tar.gz", md5="c58f30108f718f92721af3b95e74349a"),
    Resource("imdb", "https://ai.stanford.edu/~amaas/data/sentiment/aclImdb_v1.tar.gz",
             "aclImdb_v1.tar.gz", md5="7c2ac02c03563afcf9b574c7e56c153a"),
    Resource("speech-commands", "http://download.tensorflow.org/data/speech_commands_v0.02.tar.gz",
             "speech_commands_v0.02.tar.gz",
             sha256="af14739ee7dc311471de98f5f9d2c9191b18aedfe957f4a6ff791c709868ff58",
             note="Speech Commands v0.02 (Warden, 2018; 2.4 GB, the sha256 torchaudio and TFDS publish); "
                  "download_speech_commands() extracts it into FSSM_DATA/speech_commands_v0.02/"),
]}


def data_root(root: Optional[str] = None, create: bool = True) -> str:
    """`root`, else $FSSM_DATA, else ~/.cache/fssm; created if missing unless `create` is False (a dry run)."""
    root = check_path("root", root, none_ok=True)
    path = root or os.environ.get("FSSM_DATA") or os.path.join(os.path.expanduser("~"), ".cache", "fssm")
    if create:
        os.makedirs(path, exist_ok=True)
    return path


def file_digest(path: str, algorithm: str = "md5", chunk: int = 1 << 20) -> str:
    h = hashlib.new(algorithm)
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(chunk), b""):
            h.update(block)
    return h.hexdigest()


def verify(path: str, resource: Resource) -> None:
    """Raise ValueError naming the file when its checksum is not the registered one."""
    if resource.sha256:
        got, want, algo = file_digest(path, "sha256"), resource.sha256, "sha256"
    else:
        got, want, algo = file_digest(path, "md5"), resource.md5, "md5"
    if got != want:
        raise ValueError(f"{path}: {algo} checksum {got} does not match the registered {want} "
                         f"for {resource.name!r} (corrupt or incomplete download: delete it and retry)")


def download(resource: Resource, root: Optional[str] = None, timeout: float = 60.0) -> str:
    """Download `resource` into the data root unless a verified copy is there; return its path.

    The file is written to a temporary name, verified, then renamed: an interrupted or corrupt download
    never replaces a good file and never leaves a half file under the final name.
    """
    if not isinstance(resource, Resource):
        raise ArgumentTypeError(f"resource must be a fssm.data.registry.Resource, got {type(resource).__name__}")
    check_real("timeout", timeout, low=0.0, low_open=True)
    folder = data_root(root)
    path = os.path.join(folder, resource.filename)
    if os.path.exists(path):
        verify(path, resource)
        return path
    try:
        with atomic_write(path, "wb", check=lambda tmp: verify(tmp, resource)) as f, \
                urllib.request.urlopen(resource.url, timeout=timeout) as r:
            shutil.copyfileobj(r, f)
    except (urllib.error.URLError, OSError) as e:
        raise ConnectionError(
            f"could not download {resource.name!r} from {resource.url} ({e}). Without network access, "
            f"fetch {resource.filename} elsewhere and place it at {path}.") from e
    return path


def download_celeba(root: Optional[str] = None) -> str:
    """Fetch and verify CelebA (aligned images zip + partition list) into ROOT/celeba and unzip it there.

    Returns that folder, which is the layout `fssm.data.CelebA` reads. Safe to call again: verified files
    are not downloaded twice and the images are not unzipped twice.
    """
    import zipfile

    folder = os.path.join(data_root(root), "celeba")
    zip_path = download(REGISTRY["celeba-images"], root=folder)
    download(REGISTRY["celeba-partition"], root=folder)
    if not os.path.isdir(os.path.join(folder, "img_align_celeba")):
        with zipfile.ZipFile(zip_path) as z:
            z.extractall(folder)
    return folder


def download_and_extract(resource: Resource, folder: str, top: str, flat: bool = False) -> str:
    """`folder`/`top` from a verified tar archive: downloaded into `folder` and extracted there once.

    Returns at once when `folder`/`top` already exists (no download, no re-hashing of the archive);
    otherwise `download` (atomic, verified) then `extract_tar_once` (atomic; `flat` as there).
    """
    final = os.path.join(folder, top)
    if os.path.isdir(final):
        return final
    return extract_tar_once(download(resource, root=folder), folder, top, flat=flat)


def extract_tar_once(archive: str, dest: str, top: str, flat: bool = False) -> str:
    """Extract the tar archive `archive` into `dest` unless `dest/top` exists; return `dest/top`.

    Atomic: the archive is extracted into a temporary folder inside `dest` and its `top` folder is then
    renamed into place, so an interrupted extraction never leaves a half folder under the final name, and
    two processes extracting at once (e.g. DDP ranks) both end with the same complete folder. An archive
    without `top` raises ValueError naming it.

    flat=True is for archives without a top-level folder (members `./a/b.wav`, `./list.txt`, as Speech
    Commands ships): the whole temporary folder becomes `dest/top`, with the same atomicity; an empty
    archive raises ValueError naming it.
    """
    import tarfile

    flat = check_bool("flat", flat)
    final = os.path.join(dest, top)
    if os.path.isdir(final):
        return final
    os.makedirs(dest, exist_ok=True)
    tmp = tempfile.mkdtemp(dir=dest, prefix=".extract-")
    try:
        try:
            with tarfile.open(archive) as tar:
                if hasattr(tarfile, "data_filter"):  # refuses absolute paths and links out of the folder
                    tar.extractall(tmp, filter="data")
                else:  # pragma: no cover - Python without the tarfile filters
                    tar.extractall(tmp)
        except (tarfile.TarError, EOFError, zlib.error) as e:
            raise ValueError(f"{archive}: not a readable tar archive ({type(e).__name__}: "
                             f"{str(e).splitlines()[0] if str(e) else 'unexpected end'}); a truncated "
                             f"or corrupt download: delete it and retry") from e
        src = tmp if flat else os.path.join(tmp, top)
        if flat and not os.listdir(tmp):
            raise ValueError(f"{archive}: the archive is empty")
        if not os.path.isdir(src):
            raise ValueError(f"{archive}: the archive has no folder {top!r} at its top level")
        if flat:
            os.chmod(tmp, 0o755)  # mkdtemp makes it 0700; the data folder is meant to be readable like any other
        try:
            os.replace(src, final)
        except OSError:
            if not os.path.isdir(final):  # not another process winning the race: a real error
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return final


SPEECH_COMMANDS_FOLDER = "speech_commands_v0.02"


def download_speech_commands(root: Optional[str] = None) -> str:
    """Download Speech Commands v0.02 (REGISTRY['speech-commands'], 2.4 GB, sha256-verified) into DATA and
    extract it once into DATA/speech_commands_v0.02; return that folder, the `root` `SpeechCommands` reads.

    DATA = `root`, else $FSSM_DATA, else ~/.cache/fssm; the archive is kept as DATA/speech_commands_v0.02.tar.gz.
    The archive has no top-level folder (members ./yes/*.wav, ./validation_list.txt, ...), so it is
    extracted with `extract_tar_once(..., flat=True)`: into a temporary folder renamed when complete, never a
    half folder under the final name. Later calls return at once. Without network: ConnectionError saying
    where to put the archive.
    """
    return download_and_extract(REGISTRY["speech-commands"], data_root(root), SPEECH_COMMANDS_FOLDER, flat=True)


LRA_RELEASE_URL = "https://storage.googleapis.com/long-range-arena/lra_release.gz"
LRA_TASK_FOLDERS = ("listops-1000", "tsv_data", "pathfinder32", "pathfinder64", "pathfinder128", "pathfinder256")


def _lra_candidates(base: str):
    # `tar -xzf lra_release.gz -C DATA` gives DATA/lra_release/; public loaders of the release read
    # listops-1000/ there and the other task folders one level deeper, in DATA/lra_release/lra_release/;
    # extracting inside DATA/lra_release adds one more level.
    return (os.path.join(base, "lra_release"), base, os.path.join(base, "lra_release", "lra_release"))


def _lra_missing(base: str, what: str) -> FileNotFoundError:
    return FileNotFoundError(
        f"no extracted LRA release with {what} under {base}. The release has no published checksum, so fssm "
        f"does not download it unverified: either call fssm.data.registry.download_lra_release(sha256=...) "
        f"with the sha256 of a copy you trust, or fetch {LRA_RELEASE_URL} "
        f"(about 7.7 GB) yourself and extract it into the data root, `tar -xzf lra_release.gz -C DATA`, so that "
        f"{base} holds it (DATA = the `root` argument, else $FSSM_DATA, else ~/.cache/fssm). ListOps and "
        f"Pathfinder also have offline generators in fssm.data.lra.")


def lra_release_root(root: Optional[str] = None) -> str:
    """The folder of an already extracted LRA release that holds its task folders (tsv_data/, pathfinder32/, ...).

    The release archive (`LRA_RELEASE_URL`, a tar.gz of about 7.7 GB) has no published checksum, so it is
    not in REGISTRY and is never downloaded here. Extract it yourself into the data root DATA (`root`, else
    $FSSM_DATA, else ~/.cache/fssm): `tar -xzf lra_release.gz -C DATA`, which makes DATA/lra_release. The
    folders DATA/lra_release/lra_release, DATA/lra_release and DATA/lra_release/lra_release/lra_release are
    looked at in that order; the first holding one of `LRA_TASK_FOLDERS` is returned. Raises
    FileNotFoundError saying where to download the release and where to put it when none does.
    """
    base = os.path.join(data_root(root), "lra_release")
    for cand in _lra_candidates(base):
        if any(os.path.isdir(os.path.join(cand, t)) for t in LRA_TASK_FOLDERS):
            return cand
    raise _lra_missing(base, "any of " + ", ".join(LRA_TASK_FOLDERS))


def lra_release_folder(name: str, root: Optional[str] = None) -> str:
    """Path of the task folder `name` (one of `LRA_TASK_FOLDERS`) in an extracted LRA release.

    Looks in the same places as `lra_release_root`, for each folder on its own (public loaders find
    listops-1000/ one level above the other task folders); raises the same explanatory FileNotFoundError
    when it is not there.
    """
    check_choice("name", name, LRA_TASK_FOLDERS)
    base = os.path.join(data_root(root), "lra_release")
    for cand in _lra_candidates(base):
        if os.path.isdir(os.path.join(cand, name)):
            return os.path.join(cand, name)
    raise _lra_missing(base, f"a folder {name!r}")


def download_lra_release(sha256: str, root: Optional[str] = None, url: Optional[str] = None) -> str:
    """Download the LRA release archive (about 7.7 GB), verify it against `sha256`, extract it once into
    DATA/lra_release and return `lra_release_root(root)`.

    The release has no published checksum, so the caller supplies one: the sha256 of a copy they trust
    (a colleague's, or one fetched earlier; `file_digest(path, "sha256")` computes it). Without it there is
    nothing to verify against and the function refuses (ValueError), as fssm never keeps an unverified
    download. The archive is kept in DATA/lra_release. Atomic like `download`; a later call finds the
    extracted release and returns at once.
    """
    if not isinstance(sha256, str) or len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256.lower()):
        raise ValueError("download_lra_release needs the archive's sha256 (64 hex digits): the LRA release "
                         "publishes none, so supply the digest of a copy you trust")
    resource = Resource("lra-release", url or LRA_RELEASE_URL, "lra_release.gz", sha256=sha256.lower(),
                        note="LRA release (Tay et al., 2021); checksum supplied by the caller")
    download_and_extract(resource, os.path.join(data_root(root), "lra_release"), "lra_release")
    return lra_release_root(root)
