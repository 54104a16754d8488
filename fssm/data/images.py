r"""Images as sequences (book: "Image denoising"): sources, row-major flattening, stripe noise.

An image r(C R W) becomes a sequence r(C L), L = R*W, row by row: horizontal neighbours are adjacent,
vertical neighbours are W apart. A pattern that repeats every p columns is then a tone at
omega = 2 pi / p rad/sample ("vertical stripes", high); one that repeats every p rows is a tone at
2 pi / (p W) ("horizontal stripes", low).

Sources: scikit-image's LFW face subset and sample photographs (offline, shipped with the package) and
CelebA from its standard folder layout (img_align_celeba/*.jpg + list_eval_partition.txt).
"""
from __future__ import annotations

import math
import os
from typing import List, Optional, Sequence, Tuple

import numpy as np
import torch
import torch.nn.functional as F
from torch.utils.data import Dataset

from ..utils import ArgumentTypeError, check_bool, check_choice, check_int, check_real, check_seed
from .registry import check_path

__all__ = [
    "image_to_sequence", "sequence_to_image", "resize", "stripe_frequencies", "stripe_noise",
    "lfw_faces", "sample_photographs", "CelebA", "read_celeba_partition", "PAPER_STRIPE_OMEGA",
]

PAPER_STRIPE_OMEGA = 2.99433  # the paper's tone, 2 pi 61/128 rad/sample for 128-pixel rows
RGB_SAMPLES = ("astronaut", "coffee", "chelsea", "rocket", "immunohistochemistry", "retina",
               "hubble_deep_field", "cat")


def _check_tensor(name: str, value, min_dim: int, numpy_ok: bool = False) -> torch.Tensor:
    """`value` if it is a torch.Tensor (or, with `numpy_ok`, a numpy array) with at least `min_dim`
    dimensions, else ValueError naming `name`."""
    kinds = (torch.Tensor, np.ndarray) if numpy_ok else (torch.Tensor,)
    if not isinstance(value, kinds):
        raise ArgumentTypeError(f"{name} must be a torch.Tensor{' or numpy array' if numpy_ok else ''}, "
                         f"got {type(value).__name__}")
    if value.ndim < min_dim:
        raise ValueError(f"{name} must have at least {min_dim} dimensions, got shape {tuple(value.shape)}")
    return value


def _check_size(size) -> Tuple[int, int]:
    """`size` = (rows, cols) as two integers >= 1, else ValueError naming it."""
    if not (isinstance(size, (tuple, list)) and len(size) == 2):
        raise ValueError(f"size must be a pair (rows, cols) of integers >= 1, got {size!r}")
    return check_int("size[0] (rows)", size[0], low=1), check_int("size[1] (cols)", size[1], low=1)


def image_to_sequence(img: torch.Tensor) -> torch.Tensor:
    """r(... C R W) -> r(... C R*W), row-major (a torch.Tensor, or a numpy array)."""
    _check_tensor("img", img, 2, numpy_ok=True)
    return img.reshape(*img.shape[:-2], img.shape[-2] * img.shape[-1])


def sequence_to_image(seq: torch.Tensor, rows: int, cols: int) -> torch.Tensor:
    """r(... C L) -> r(... C rows cols); L must equal rows*cols (rows, cols integers >= 1)."""
    _check_tensor("seq", seq, 1, numpy_ok=True)
    rows, cols = check_int("rows", rows, low=1), check_int("cols", cols, low=1)
    if seq.shape[-1] != rows * cols:
        raise ValueError(f"sequence length {seq.shape[-1]} is not rows*cols = {rows}*{cols}")
    return seq.reshape(*seq.shape[:-1], rows, cols)


def resize(img: torch.Tensor, size: Tuple[int, int]) -> torch.Tensor:
    """Antialiased bilinear resize of r(N C R W) (or r(C R W)), floating point, to `size` = (rows, cols)."""
    _check_tensor("img", img, 3)
    if img.dim() > 4 or not img.is_floating_point():
        raise ValueError(f"img must be a floating-point r(N C R W) or r(C R W), got {img.dtype} {tuple(img.shape)}")
    size = _check_size(size)
    squeeze = img.dim() == 3
    out = F.interpolate(img[None] if squeeze else img, size=size, mode="bilinear", antialias=True,
                        align_corners=False)
    return out[0] if squeeze else out


def stripe_frequencies(cols: int) -> Tuple[float, float]:
    """(omega_vertical, omega_horizontal) in rad/sample for rows of `cols` pixels.

    Vertical stripes: the paper's tone 2 pi 61/128 ~ 2.994 rad/sample, rounded to a whole number of
    periods per row (so every row carries the same pattern): 2 pi k / cols with k = round(61 cols/128).
    Horizontal stripes: the same pattern along the rows, omega_vertical / cols.
    """
    cols = check_int("cols", cols, low=2)
    k = max(1, round(61 * cols / 128))
    omega_v = 2 * math.pi * k / cols
    return omega_v, omega_v / cols


def stripe_noise(n: int, channels: int, rows: int, cols: int, kind: str, magnitude: float = 1.0,
                 generator: Optional[torch.Generator] = None) -> torch.Tensor:
    """Stripe noise m * U(0,1) * cos(omega * index) per image and channel.  Returns r(n C L), L = rows*cols,
    float32; n >= 0, channels, rows >= 1, cols >= 2 (integers)."""
    n, channels = check_int("n", n, low=0), check_int("channels", channels, low=1)
    rows = check_int("rows", rows, low=1)
    if generator is not None and not isinstance(generator, torch.Generator):
        raise ArgumentTypeError(f"generator must be a torch.Generator or None, got {type(generator).__name__}")
    check_choice("kind", kind, ("vertical", "horizontal"))
    magnitude = check_real("magnitude", magnitude, low=0.0)
    omega_v, omega_h = stripe_frequencies(cols)
    omega = omega_v if kind == "vertical" else omega_h
    index = torch.arange(rows * cols, dtype=torch.float64)
    amp = magnitude * torch.rand(n, channels, 1, generator=generator, dtype=torch.float64)
    return (amp * torch.cos(omega * index)).float()


def _to_unit_range(x: torch.Tensor) -> torch.Tensor:
    return x * 2.0 - 1.0  # [0, 1] -> [-1, 1]


def lfw_faces(size: Tuple[int, int] = (32, 32), faces_only: bool = True) -> torch.Tensor:
    """scikit-image's LFW subset (offline), resized: r(n 1 R W) in [-1, 1].

    The subset holds 100 grayscale 25x25 faces followed by 100 non-face patches (it was made for face
    detection). faces_only=True (default) keeps the 100 faces; False returns all 200.
    """
    from skimage import data

    size = _check_size(size)
    faces_only = check_bool("faces_only", faces_only)
    images = torch.as_tensor(np.asarray(data.lfw_subset()), dtype=torch.float32)[:, None]  # in [0, 1]
    if faces_only:
        images = images[:100]
    return _to_unit_range(resize(images, size).clamp(0, 1))


def sample_photographs(n: int, size: Tuple[int, int] = (32, 32), crop: int = 128,
                       seed: int = 0, names: Sequence[str] = RGB_SAMPLES) -> torch.Tensor:
    """`n` random square crops (`crop` pixels, at most the smallest photograph's side) of scikit-image's RGB
    sample photographs `names` (offline), resized to `size`: r(n 3 R W) in [-1, 1]."""
    from skimage import data

    n, crop, seed = check_int("n", n, low=1), check_int("crop", crop, low=2), check_seed(seed)
    size = _check_size(size)
    if isinstance(names, str) or not names:
        raise ValueError(f"names must be a non-empty sequence of scikit-image sample names, got {names!r}")
    for name in names:
        if not (isinstance(name, str) and callable(getattr(data, name, None))):
            raise ValueError(f"names: {name!r} is not a scikit-image sample (e.g. {', '.join(RGB_SAMPLES)})")
    g = torch.Generator().manual_seed(seed)
    photos = [torch.as_tensor(np.asarray(getattr(data, name)()), dtype=torch.float32) for name in names]
    for name, p in zip(names, photos):
        if p.dim() != 3 or p.shape[2] < 3:
            raise ValueError(f"names: {name!r} is not an RGB photograph (shape {tuple(p.shape)})")
    photos = [p.permute(2, 0, 1) / 255.0 for p in photos]
    side = min(min(p.shape[1:]) for p in photos)
    if crop > side:
        raise ValueError(f"crop must be an integer in [2, {side}] (the smallest photograph's side), got {crop}")
    out = []
    for i in range(n):
        p = photos[int(torch.randint(len(photos), (1,), generator=g))]
        r0 = int(torch.randint(p.shape[1] - crop + 1, (1,), generator=g))
        c0 = int(torch.randint(p.shape[2] - crop + 1, (1,), generator=g))
        out.append(resize(p[:3, r0:r0 + crop, c0:c0 + crop], size))
    return _to_unit_range(torch.stack(out).clamp(0, 1))


def read_celeba_partition(path: str) -> List[Tuple[str, int]]:
    """Parse list_eval_partition.txt: lines 'NAME.jpg S' with S in {0 train, 1 val, 2 test}.

    A malformed line (or one that is not valid UTF-8) raises ValueError naming the file and the line number.
    """
    path = check_path("path", path)
    entries = []
    with open(path, "rb") as f:
        for lineno, raw in enumerate(f, 1):
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError as e:
                raise ValueError(f"{path}, line {lineno}: not valid UTF-8 (byte {e.start + 1} of the line is "
                                 f"{raw[e.start:e.start + 1]!r})") from None
            if not line.strip():
                continue
            parts = line.split()
            if len(parts) != 2 or parts[1] not in ("0", "1", "2") or not parts[0].lower().endswith((".jpg", ".png")):
                raise ValueError(f"{path}, line {lineno}: expected 'IMAGE.jpg 0|1|2', got {line.rstrip()!r}")
            entries.append((parts[0], int(parts[1])))
    return entries


class CelebA(Dataset):
    """CelebA from its standard layout: ROOT/list_eval_partition.txt and ROOT/img_align_celeba/*.jpg.

    Each image is centre-cropped to 178x178 (as in the paper's code), resized to `size` = (rows, cols),
    mapped to [-1, 1] and returned as r(3 rows cols).
    """

    SPLITS = {"train": 0, "valid": 1, "test": 2}

    def __init__(self, root: str, split: str = "train", size: Tuple[int, int] = (2048, 128),
                 limit: Optional[int] = None):
        root = check_path("root", root)
        check_choice("split", split, self.SPLITS)
        size = _check_size(size)
        partition = os.path.join(root, "list_eval_partition.txt")
        folder = os.path.join(root, "img_align_celeba")
        for p in (partition, folder):
            if not os.path.exists(p):
                raise FileNotFoundError(f"CelebA: {p} is missing (expected the standard CelebA layout under {root})")
        want = self.SPLITS[split]
        self.files = [os.path.join(folder, name) for name, s in read_celeba_partition(partition) if s == want]
        if limit is not None:
            self.files = self.files[: check_int("limit", limit, low=1)]
        self.size = size

    def __len__(self) -> int:
        return len(self.files)

    def __getitem__(self, i: int) -> torch.Tensor:
        from PIL import Image

        path = self.files[i]
        try:
            with Image.open(path) as im:
                arr = np.asarray(im.convert("RGB"), dtype=np.float32) / 255.0
        except (OSError, ValueError) as e:
            raise ValueError(f"CelebA: cannot read image {path} ({e})") from e
        img = torch.from_numpy(arr).permute(2, 0, 1)  # r(3 H W)
        h, w = img.shape[1:]
        c = min(178, h, w)
        top, left = (h - c) // 2, (w - c) // 2
        img = resize(img[:, top:top + c, left:left + c], self.size)
        return _to_unit_range(img.clamp(0, 1))
