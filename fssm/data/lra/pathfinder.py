r"""LRA Pathfinder and Path-X (Tay et al., 2021, section 3.6): reader of the official release layout, and a
writer of that same layout (used by the offline generator in `fssm.data.lra.pathfinder_gen`).

Layout (the LRA release, lra_release/pathfinder{32,64,128,256}/; Path-X is pathfinder128):

    pathfinderR/DIFFICULTY/metadata/0.npy, 1.npy, ...     metadata lists, one per image folder
    pathfinderR/DIFFICULTY/imgs/0/sample_0.png, ...        grayscale R x R PNG images

DIFFICULTY is curv_baseline ("easy", contour length 6), curv_contour_length_9 ("intermediate") or
curv_contour_length_14 ("hard", the LRA task). Despite their extension the metadata files are *text*:
one line per image, fields separated by single spaces, as written by the Pathfinder generator
(drewlinsley/pathfinder, snakes2.accumulate_meta):

    IMG_DIR FILE_NAME INDEX LABEL CONTINUITY CONTOUR_LENGTH DISTRACTOR_LENGTH PADDLE_LENGTH
    PADDLE_THICKNESS PADDLE_MARGIN N_PADDLE_CONTRASTS

e.g. `imgs/0 sample_0.png 0 1 1.0 14 4 2 0.5 1 1`. Readers use field 0 (folder relative to DIFFICULTY),
field 1 (file) and field 3 (label: 1 = the two marked dots are joined by a path): the LRA tfds builder
(lra_benchmarks/data/pathfinder.py) and S4's PathFinderDataset (src/dataloaders/lra.py) both do, and so
does this reader; the other fields are informational.

Order and splits follow S4 so that results are comparable: metadata files sorted by their number, lines in
file order; S4 drops one known empty image of the release (pathfinder32/curv_baseline/imgs/0/sample_172.png,
skipped here only if it is empty); then a seeded permutation, torch.randperm(n, generator seeded with
`seed` = 42), whose first n - 2 int(0.1 n) indices are "train", the next int(0.1 n) "val" and the last
int(0.1 n) "test" (exactly torch.utils.data.random_split with S4's 0.1/0.1 fractions). LRA itself takes
tfds slices [:80%], [80%:90%], [90%:] of the difficulty split (same 80/10/10 proportions).

Item: x float32 (R*R, 1) = pixel / 255 in [0, 1], pixel (r, c) at index r R + c (row-major);
y int64 in {0, 1}.
"""
from __future__ import annotations

import os
from typing import Dict, List, Mapping, Optional, Sequence, Tuple

import numpy as np
import torch
from torch.utils.data import Dataset

from ...io import atomic_write
from ...utils import check_bool, check_choice, check_int, check_real, check_seed
from ..registry import check_path, lra_release_folder
from .common import MalformedRecordError

__all__ = ["Pathfinder", "write_pathfinder_layout", "read_pathfinder_metadata", "pathfinder_folder",
           "DIFFICULTIES", "CONTOUR_LENGTHS"]

DIFFICULTIES = {"easy": "curv_baseline", "intermediate": "curv_contour_length_9", "hard": "curv_contour_length_14"}
CONTOUR_LENGTHS = {"curv_baseline": 6, "curv_contour_length_9": 9, "curv_contour_length_14": 14}
KNOWN_EMPTY = frozenset({"pathfinder32/curv_baseline/imgs/0/sample_172.png"})  # S4's blacklist
_META_FIELDS = ("continuity", "contour_length", "distractor_length", "paddle_length", "paddle_thickness",
                "paddle_margin", "n_paddle_contrasts")


def _difficulty_folder(difficulty: str) -> str:
    if difficulty in DIFFICULTIES.values():
        return difficulty
    check_choice("difficulty", difficulty, tuple(DIFFICULTIES) + tuple(DIFFICULTIES.values()))
    return DIFFICULTIES[difficulty]


def pathfinder_folder(root: Optional[str], resolution: int, difficulty: str) -> str:
    """ROOT/pathfinderR/DIFFICULTY, where ROOT holds pathfinderR/ (or is it); None: the extracted LRA release."""
    root = check_path("root", root, none_ok=True)
    res_name = f"pathfinder{resolution}"
    if root is None:
        base = lra_release_folder(res_name)
    elif os.path.basename(os.path.normpath(root)) == res_name and not os.path.isdir(os.path.join(root, res_name)):
        base = root
    else:
        base = os.path.join(root, res_name)
    return os.path.join(base, _difficulty_folder(difficulty))


def read_pathfinder_metadata(path: str) -> List[Tuple[str, str, int, int]]:
    """Entries (image_dir, file_name, label, line) of one metadata file (a text file despite its .npy name).

    Blank lines are skipped. A line with fewer than 4 fields, an image folder that is absolute or leaves
    the difficulty folder, or a label other than 0/1 raises MalformedRecordError naming file and line.
    """
    path = check_path("path", path)
    out = []
    try:
        with open(path, "rb") as f:
            raw = f.read()
    except OSError as e:
        raise MalformedRecordError(path, 1, f"cannot read the metadata file ({e.strerror or e})") from e
    for lineno, line in enumerate(raw.split(b"\n"), 1):
        if not line.strip():
            continue
        try:
            fields = line.decode("utf-8").split()
        except UnicodeDecodeError:
            raise MalformedRecordError(path, lineno, "not a text line (a binary .npy file? the LRA release's "
                                       "metadata files are text)") from None
        if len(fields) < 4:
            raise MalformedRecordError(path, lineno, f"expected at least 4 space-separated fields "
                                       f"(image folder, file, index, label), got {len(fields)}: {line[:80]!r}")
        folder, name, label = fields[0], fields[1], fields[3]
        if os.path.isabs(folder) or ".." in folder.replace("\\", "/").split("/") or "/" in name or name == "..":
            raise MalformedRecordError(path, lineno, f"image path {folder}/{name} must stay inside the folder")
        if label not in ("0", "1"):
            raise MalformedRecordError(path, lineno, f"label (field 4) must be 0 or 1, got {label!r}")
        out.append((folder, name, int(label), lineno))
    return out


def _metadata_key(name: str):
    stem = name[:-4]
    return (0, int(stem), name) if stem.isdigit() else (1, 0, name)


class Pathfinder(Dataset):
    """Pathfinder (resolution 32) or Path-X (128) images from the official layout: x float32 (R*R, 1) in
    [0, 1] row-major, y int64 in {0, 1} (1 = the dots are connected).

    root: folder holding pathfinderR/ (or the pathfinderR folder itself); None reads the extracted LRA
    release (`fssm.data.registry.lra_release_folder`). resolution R: 32, 128 (Path-X), 64, 256, or the
    size a generator wrote. difficulty: "easy" | "intermediate" | "hard" (default, the LRA task) or the
    folder name. split: "train" | "val" | "test" | "all"; val_frac, test_frac, seed: the S4 split (module
    doc). check_files=True checks at construction that every image exists (else FileNotFoundError naming
    the image and the metadata line that lists it); by default that is found out on access.
    `labels`: int64 (n,) of the split; `samples`: [(image path, label, metadata file, line)].
    """

    n_classes = 2
    vocab_size = None

    def __init__(self, root: Optional[str] = None, resolution: int = 32, difficulty: str = "hard",
                 split: str = "train", val_frac: float = 0.1, test_frac: float = 0.1, seed: int = 42,
                 check_files: bool = False):
        self.resolution = check_int("resolution", resolution, low=2)
        self.seq_len = self.resolution ** 2
        check_choice("split", split, ("train", "val", "test", "all"))
        val_frac = check_real("val_frac", val_frac, low=0.0, high=1.0)
        test_frac = check_real("test_frac", test_frac, low=0.0, high=1.0 - val_frac)
        seed, check_files = check_seed(seed), check_bool("check_files", check_files)
        self.folder = pathfinder_folder(root, self.resolution, difficulty)
        meta_dir = os.path.join(self.folder, "metadata")
        if not os.path.isdir(meta_dir):
            raise FileNotFoundError(f"Pathfinder: {meta_dir} is missing (expected the LRA release layout "
                                    f"pathfinder{self.resolution}/DIFFICULTY/{{metadata/N.npy, imgs/N/*.png}})")
        names = sorted((n for n in os.listdir(meta_dir) if n.endswith(".npy")), key=_metadata_key)
        if not names:
            raise FileNotFoundError(f"Pathfinder: no metadata/*.npy lists in {self.folder}")
        res_root = os.path.dirname(self.folder)
        rel_prefix = f"{os.path.basename(res_root)}/{os.path.basename(self.folder)}"
        samples = []
        for name in names:
            meta = os.path.join(meta_dir, name)
            for folder, file, label, lineno in read_pathfinder_metadata(meta):
                rel = f"{folder}/{file}"
                path = os.path.join(self.folder, folder, file)
                if f"{rel_prefix}/{rel}" in KNOWN_EMPTY and os.path.isfile(path) and os.path.getsize(path) == 0:
                    continue
                if check_files and not os.path.isfile(path):
                    raise FileNotFoundError(f"Pathfinder: image {path} is missing (listed in {meta}, line {lineno})")
                samples.append((path, label, meta, lineno))
        n = len(samples)
        n_val, n_test = int(val_frac * n), int(test_frac * n)
        n_train = n - n_val - n_test
        if split == "all":
            idx = list(range(n))
        else:
            perm = torch.randperm(n, generator=torch.Generator().manual_seed(seed)).tolist()
            bounds = {"train": (0, n_train), "val": (n_train, n_train + n_val), "test": (n_train + n_val, n)}
            lo, hi = bounds[split]
            idx = perm[lo:hi]
        self.indices = idx
        self.samples = [samples[i] for i in idx]
        self.labels = torch.tensor([s[1] for s in self.samples], dtype=torch.int64)

    def __len__(self) -> int:
        return len(self.samples)

    def __getitem__(self, i: int) -> Tuple[torch.Tensor, torch.Tensor]:
        from PIL import Image

        path, label, meta, lineno = self.samples[i]
        if not os.path.isfile(path):
            raise FileNotFoundError(f"Pathfinder: image {path} is missing (listed in {meta}, line {lineno})")
        try:
            with Image.open(path) as im:
                arr = np.asarray(im.convert("L"), dtype=np.uint8)
        except (OSError, ValueError) as e:
            raise ValueError(f"Pathfinder: cannot read image {path} (listed in {meta}, line {lineno}): {e}") from e
        if arr.shape != (self.resolution, self.resolution):
            raise ValueError(f"Pathfinder: image {path} is {arr.shape[0]}x{arr.shape[1]}, expected "
                             f"{self.resolution}x{self.resolution} (listed in {meta}, line {lineno})")
        x = torch.from_numpy(arr.reshape(-1, 1).astype(np.float32)) / 255.0
        return x, torch.tensor(label, dtype=torch.int64)


def write_pathfinder_layout(root: str, resolution: int, difficulty: str, images, labels,
                            per_folder: int = 1000, first_folder: int = 0,
                            params: Optional[Mapping[str, float]] = None) -> str:
    """Write images and labels in the official release layout that `Pathfinder` reads; return the folder.

    write_pathfinder_layout(root: str, resolution: int, difficulty: str,
                            images: uint8 array (n, resolution, resolution), labels: ints (n,) in {0, 1},
                            per_folder: int = 1000, first_folder: int = 0,
                            params: Optional[Mapping[str, float]] = None) -> str

    Writes ROOT/pathfinderR/DIFFICULTY/imgs/K/sample_J.png (grayscale PNG) and metadata/K.npy (text, one
    line per image in the generator's 11-field format, see the module doc), for K = first_folder,
    first_folder + 1, ... with `per_folder` images each and J counting from 0 in each folder. `difficulty`
    is "easy" | "intermediate" | "hard" or the folder name. `params` overrides the informational fields
    (continuity, contour_length, distractor_length, paddle_length, paddle_thickness, paddle_margin,
    n_paddle_contrasts); the defaults are the published pathfinder32 generator settings (LRA tfds builder
    docstring) with the contour length of the difficulty (6, 9, 14). A metadata file is written (to a
    temporary name, then renamed) only after all of its images, so an interrupted run leaves only complete
    folders to read (a half-written folder has no metadata file and is invisible to `Pathfinder`).

    Resumable: calling again with the same arguments after an interruption (a kill, a full disk) keeps
    every folder whose metadata file exists and whose metadata and images equal what this call writes
    (checked), and writes the others, the interrupted one included. Call again with a larger first_folder
    to add more images. An existing metadata file is never overwritten: where it or one of its images
    differs from what this call would write, FileExistsError names it and nothing is written.
    Returns ROOT/pathfinderR/DIFFICULTY.
    """
    from PIL import Image

    root = check_path("root", root)
    resolution = check_int("resolution", resolution, low=2)
    per_folder = check_int("per_folder", per_folder, low=1)
    first_folder = check_int("first_folder", first_folder, low=0)
    diff = _difficulty_folder(difficulty)
    images = np.asarray(images)
    labels = np.asarray(labels)
    if images.dtype != np.uint8 or images.ndim != 3 or images.shape[1:] != (resolution, resolution):
        raise ValueError(f"images must be uint8 (n, {resolution}, {resolution}), got {images.dtype} {images.shape}")
    if labels.shape != (images.shape[0],) or not np.isin(labels, (0, 1)).all():
        raise ValueError(f"labels must be {images.shape[0]} values in {{0, 1}}, got shape {labels.shape}")
    contour = CONTOUR_LENGTHS[diff]
    fields: Dict[str, float] = {"continuity": 1.0, "contour_length": contour, "distractor_length": contour // 3,
                                "paddle_length": 2, "paddle_thickness": 0.5, "paddle_margin": 1,
                                "n_paddle_contrasts": 1}
    for k, v in (params or {}).items():
        check_choice("params key", k, _META_FIELDS)
        check_real(f"params[{k!r}]", v)
        fields[k] = v
    tail = " ".join(str(fields[k]) for k in _META_FIELDS)
    folder = os.path.join(root, f"pathfinder{resolution}", diff)
    meta_dir = os.path.join(folder, "metadata")
    os.makedirs(meta_dir, exist_ok=True)
    n_folders = -(-images.shape[0] // per_folder)
    plans = []  # (metadata path, image folder, [(image name, index into images)], metadata lines)
    for f in range(n_folders):
        k = first_folder + f
        img_rel = f"imgs/{k}"
        chunk = list(enumerate(range(f * per_folder, min((f + 1) * per_folder, images.shape[0]))))
        lines = [f"{img_rel} sample_{j}.png {j} {int(labels[i])} {tail}\n" for j, i in chunk]
        plans.append((os.path.join(meta_dir, f"{k}.npy"), os.path.join(folder, img_rel),
                      [(f"sample_{j}.png", i) for j, i in chunk], lines))
    done = [os.path.exists(meta) and _check_written(meta, img_dir, names, lines, images)
            for meta, img_dir, names, lines in plans]  # raises FileExistsError on the first that differs
    for (meta, img_dir, names, lines), skip in zip(plans, done):
        if skip:
            continue
        os.makedirs(img_dir, exist_ok=True)
        for name, i in names:
            Image.fromarray(images[i]).save(os.path.join(img_dir, name))
        with atomic_write(meta) as out:
            out.writelines(lines)
    return folder


def _check_written(meta: str, img_dir: str, names, lines: List[str], images: np.ndarray) -> bool:
    """True when the existing metadata file `meta` and its images hold exactly `lines` and the `images` rows
    `names` = [(file name, row)]; else FileExistsError naming what differs (nothing is overwritten)."""
    from PIL import Image

    hint = "pick a first_folder past the folders already written, or another root"
    with open(meta, "rb") as f:
        if f.read() != "".join(lines).encode("utf-8"):
            raise FileExistsError(f"{meta} exists and lists other images or labels than this call writes: {hint}")
    for name, i in names:
        path = os.path.join(img_dir, name)
        try:
            with Image.open(path) as im:
                same = np.array_equal(np.asarray(im.convert("L"), dtype=np.uint8), images[i])
        except (OSError, ValueError):
            same = False
        if not same:
            raise FileExistsError(f"{meta} exists but its image {path} is missing, unreadable or differs from "
                                  f"what this call writes: {hint}")
    return True
