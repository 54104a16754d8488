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

from ..utils import check_choice, check_int, check_real

__all__ = [
    "image_to_sequence", "sequence_to_image", "resize", "stripe_frequencies", "stripe_noise",
    "lfw_faces", "sample_photographs", "CelebA", "read_celeba_partition", "PAPER_STRIPE_OMEGA",
]

PAPER_STRIPE_OMEGA = 2.99433  # the paper's tone, 2 pi 61/128 rad/sample for 128-pixel rows
RGB_SAMPLES = ("astronaut", "coffee", "chelsea", "rocket", "immunohistochemistry", "retina",
               "hubble_deep_field", "cat")


def image_to_sequence(img: torch.Tensor) -> torch.Tensor:
    """r(... C R W) -> r(... C R*W), row-major."""
    return img.reshape(*img.shape[:-2], img.shape[-2] * img.shape[-1])


def sequence_to_image(seq: torch.Tensor, rows: int, cols: int) -> torch.Tensor:
    """r(... C L) -> r(... C rows cols); L must equal rows*cols."""
    if seq.shape[-1] != rows * cols:
        raise ValueError(f"sequence length {seq.shape[-1]} is not rows*cols = {rows}*{cols}")
    return seq.reshape(*seq.shape[:-1], rows, cols)


def resize(img: torch.Tensor, size: Tuple[int, int]) -> torch.Tensor:
    """Antialiased bilinear resize of r(N C R W) (or r(C R W)) to `size` = (rows, cols)."""
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
    """Stripe noise m * U(0,1) * cos(omega * index) per image and channel.  Returns r(n C L)."""
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

    images = torch.as_tensor(np.asarray(data.lfw_subset()), dtype=torch.float32)[:, None]  # in [0, 1]
    if faces_only:
        images = images[:100]
    return _to_unit_range(resize(images, size).clamp(0, 1))


def sample_photographs(n: int, size: Tuple[int, int] = (32, 32), crop: int = 128,
                       seed: int = 0, names: Sequence[str] = RGB_SAMPLES) -> torch.Tensor:
    """`n` random square crops of scikit-image's RGB sample photographs (offline), resized: r(n 3 R W)."""
    from skimage import data

    n, crop = check_int("n", n, low=1), check_int("crop", crop, low=2)
    g = torch.Generator().manual_seed(seed)
    photos = [torch.as_tensor(np.asarray(getattr(data, name)()), dtype=torch.float32).permute(2, 0, 1) / 255.0
              for name in names]
    out = []
    for i in range(n):
        p = photos[int(torch.randint(len(photos), (1,), generator=g))]
        r0 = int(torch.randint(p.shape[1] - crop + 1, (1,), generator=g))
        c0 = int(torch.randint(p.shape[2] - crop + 1, (1,), generator=g))
        out.append(resize(p[:3, r0:r0 + crop, c0:c0 + crop], size))
    return _to_unit_range(torch.stack(out).clamp(0, 1))


def read_celeba_partition(path: str) -> List[Tuple[str, int]]:
    """Parse list_eval_partition.txt: lines 'NAME.jpg S' with S in {0 train, 1 val, 2 test}.

    A malformed line raises ValueError naming the file and the line number.
    """
    entries = []
    with open(path) as f:
        for lineno, line in enumerate(f, 1):
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
        check_choice("split", split, self.SPLITS)
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
