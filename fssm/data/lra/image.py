r"""LRA Image: CIFAR-10 as a grayscale sequence of 1024 pixels (Tay et al., 2021, section 3.5).

Files read (the python-format release `cifar-10-python.tar.gz`, REGISTRY['cifar10-python']):

    ROOT/cifar-10-batches-py/data_batch_1 ... data_batch_5   (10,000 images each)
    ROOT/cifar-10-batches-py/test_batch                      (10,000 images)

each a pickled dict with b'data': uint8 (10000, 3072), one image per row, channel-major (1024 red values,
then 1024 green, then 1024 blue, each plane row-major 32x32), and b'labels': 10000 ints in 0..9.

Grayscale exactly as LRA (lra_benchmarks/image/input_pipeline.py: tf.image.rgb_to_grayscale on the uint8
image, then cast to int32; /255 when normalised). rgb_to_grayscale converts uint8 to float32 by x * (1/255),
takes 0.2989 R + 0.5870 G + 0.1140 B, and converts back to uint8 with convert_image_dtype, which multiplies
by 255.5 and *truncates* (saturate_cast): gray = floor(255.5 * sum_c w_c x_c / 255). So pure green (0,255,0)
gives 149, not round(0.587*255) = 150. Computed here in float32 as TensorFlow does (a value that lands
within float32 rounding of an integer could differ by one level from TF's summation order).

Item: x float32 (1024, 1) = gray / 255 in [0, 1], pixel (r, c) at index 32 r + c; y int64 in 0..9.
Splits: "test" = test_batch; from the 50,000 training images (data_batch_1..5 in order) "val" is the last
`val_size` (default 5,000) and "train" the rest (45,000): LRA also trains on 90% and validates on 10% of
CIFAR-10's training set (tfds train[:90%] / train[90%:], in tfds's own example order, so the sizes match
LRA's but not the exact images). val_size=0 makes "train" all 50,000 images (and "val" empty).
"""
from __future__ import annotations

import os
import pickle
from numbers import Integral
from typing import Optional, Tuple

import numpy as np
import torch
from torch.utils.data import Dataset

from ...utils import check_choice, check_int
from ..registry import REGISTRY, check_path, data_root, download_and_extract
from .common import MalformedRecordError

__all__ = ["CIFAR10Gray", "download_cifar10", "read_cifar_batch", "lra_grayscale", "CIFAR_TRAIN_FILES",
           "CIFAR_TEST_FILE", "GRAY_WEIGHTS"]

CIFAR_TRAIN_FILES = tuple(f"data_batch_{i}" for i in range(1, 6))
CIFAR_TEST_FILE = "test_batch"
GRAY_WEIGHTS = (0.2989, 0.5870, 0.1140)  # tf.image.rgb_to_grayscale
_PIXELS = 32 * 32


def lra_grayscale(rgb: np.ndarray) -> np.ndarray:
    """uint8 (..., 3) RGB -> uint8 (...) gray, as tf.image.rgb_to_grayscale on uint8 images (see module doc)."""
    rgb = np.asarray(rgb)
    if rgb.dtype != np.uint8 or rgb.shape[-1:] != (3,):
        raise ValueError(f"lra_grayscale needs uint8 (..., 3), got {rgb.dtype} {rgb.shape}")
    flt = rgb.astype(np.float32) * np.float32(1.0 / 255.0)
    w = np.asarray(GRAY_WEIGHTS, dtype=np.float32)
    gray = flt[..., 0] * w[0] + flt[..., 1] * w[1] + flt[..., 2] * w[2]
    scaled = gray * np.float32(255.5)
    return np.clip(np.floor(scaled), 0, 255).astype(np.uint8)


def read_cifar_batch(path: str) -> Tuple[np.ndarray, np.ndarray]:
    """(data uint8 (n, 3072), labels int64 (n,)) of one python-format batch file.

    Raises MalformedRecordError naming the file for an unreadable pickle, missing keys, a wrong shape or
    dtype of the whole array (line 1), or, with line = the 1-based index of the image (record) in the
    batch: a pixel row that is not 3072 uint8 values, a label that is not an integer (a float, a bool, a
    string) or is outside 0..9.
    """
    path = check_path("path", path)
    try:
        with open(path, "rb") as f:
            d = pickle.load(f, encoding="bytes")
    except FileNotFoundError:
        raise
    except Exception as e:  # noqa: BLE001 - any unpickling failure is a malformed file
        raise MalformedRecordError(path, 1, f"not a readable CIFAR-10 python batch ({type(e).__name__}: {e})") from e
    if not isinstance(d, dict) or b"data" not in d or b"labels" not in d:
        keys = sorted(d) if isinstance(d, dict) else type(d).__name__
        raise MalformedRecordError(path, 1, f"expected a dict with keys b'data' and b'labels', got {keys}")
    data = _read_pixels(path, d[b"data"])
    labels = _read_labels(path, d[b"labels"])
    if labels.shape[0] != data.shape[0]:
        raise MalformedRecordError(path, 1, f"{data.shape[0]} images but {labels.shape[0]} labels")
    bad = np.flatnonzero((labels < 0) | (labels > 9))
    if bad.size:
        raise MalformedRecordError(path, int(bad[0]) + 1, f"label {int(labels[bad[0]])} is not in 0..9")
    return data, labels


def _read_pixels(path: str, raw) -> np.ndarray:
    """uint8 (n, 3072) of a batch's b'data': an array, or a list of rows each checked (record = 1-based row)."""
    if isinstance(raw, (list, tuple)):
        for i, row in enumerate(raw):
            row = np.asarray(row)
            if row.dtype != np.uint8 or row.shape != (3 * _PIXELS,):
                raise MalformedRecordError(path, i + 1, f"image {i + 1}: pixels must be 3072 uint8 values "
                                           f"(3 x 32 x 32), got {row.dtype} {row.shape}")
        raw = np.stack(raw) if len(raw) else np.zeros((0, 3 * _PIXELS), np.uint8)
    data = np.asarray(raw)
    if data.dtype != np.uint8 or data.ndim != 2 or data.shape[1] != 3 * _PIXELS:
        raise MalformedRecordError(path, 1, f"b'data' must be uint8 (n, 3072), got {data.dtype} {data.shape}")
    return data


def _read_labels(path: str, raw) -> np.ndarray:
    """int64 (n,) of a batch's b'labels'; the first label that is not an integer in 0..9 names its record."""
    if isinstance(raw, np.ndarray) and raw.dtype.kind in "iu":
        values = raw.reshape(-1).tolist()
    elif isinstance(raw, (list, tuple, np.ndarray)):
        values = list(np.asarray(raw, dtype=object).reshape(-1)) if isinstance(raw, np.ndarray) else list(raw)
        for i, v in enumerate(values):
            if not isinstance(v, Integral) or isinstance(v, (bool, np.bool_)):
                raise MalformedRecordError(path, i + 1, f"label {v!r} ({type(v).__name__}) of image {i + 1} is "
                                           f"not an integer 0..9")
    else:
        raise MalformedRecordError(path, 1, f"b'labels' must be a list of integers, got {type(raw).__name__}")
    bad = next((i for i, v in enumerate(values) if not 0 <= v <= 9), None)
    if bad is not None:
        raise MalformedRecordError(path, bad + 1, f"label {values[bad]} is not in 0..9")
    return np.asarray(values, dtype=np.int64)


class CIFAR10Gray(Dataset):
    """Grayscale CIFAR-10 as LRA's Image task: x float32 (1024, 1) in [0, 1], y int64 in 0..9.

    root: the folder holding `cifar-10-batches-py/` (what `download_cifar10` returns); split: "train",
    "val" or "test"; val_size: images taken from the end of the training set for "val" (see module doc).
    All images of the split are read and converted when the dataset is built (uint8, 1 KB per image).
    `labels`: int64 (n,); `gray`: uint8 (n, 32, 32), the images before scaling.
    """

    n_classes = 10
    vocab_size = None
    seq_len = _PIXELS

    def __init__(self, root: str, split: str = "train", val_size: int = 5000):
        root = check_path("root", root)
        check_choice("split", split, ("train", "val", "test"))
        val_size = check_int("val_size", val_size, low=0, high=49999)
        folder = os.path.join(root, "cifar-10-batches-py")
        names = (CIFAR_TEST_FILE,) if split == "test" else CIFAR_TRAIN_FILES
        paths = [os.path.join(folder, n) for n in names]
        for p in paths:
            if not os.path.isfile(p):
                raise FileNotFoundError(f"CIFAR-10: {p} is missing (expected the python-format layout "
                                        f"ROOT/cifar-10-batches-py/data_batch_1..5, test_batch under {root}; "
                                        f"fssm.data.lra.download_cifar10() fetches it)")
        grays, labels = [], []
        for p in paths:  # converted batch by batch, in chunks: float32 copies stay small
            data, lab = read_cifar_batch(p)
            rgb = data.reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1)  # channel-major rows -> (n, 32, 32, 3)
            grays += [lra_grayscale(rgb[j:j + 2000]) for j in range(0, len(rgb), 2000)]
            labels.append(lab)
        gray = np.concatenate(grays) if grays else np.zeros((0, 32, 32), np.uint8)
        label = np.concatenate(labels)
        if split != "test":
            cut = len(gray) - val_size
            if cut < 0:
                raise ValueError(f"val_size must be at most the {len(gray)} training images, got {val_size}")
            sl = slice(0, cut) if split == "train" else slice(cut, None)
            gray, label = gray[sl], label[sl]
        self.gray = np.ascontiguousarray(gray)
        self.labels = torch.from_numpy(np.ascontiguousarray(label))

    def __len__(self) -> int:
        return len(self.gray)

    def __getitem__(self, i: int) -> Tuple[torch.Tensor, torch.Tensor]:
        x = torch.from_numpy(self.gray[i].reshape(_PIXELS, 1).astype(np.float32)) / 255.0
        return x, self.labels[i]


def download_cifar10(root: Optional[str] = None) -> str:
    """Download cifar-10-python.tar.gz (REGISTRY['cifar10-python'], md5-verified) into DATA/cifar10 and
    extract it once, atomically; returns DATA/cifar10, the `root` that `CIFAR10Gray` reads.

    DATA = `root`, else $FSSM_DATA, else ~/.cache/fssm. Later calls return at once. Without network:
    ConnectionError saying where to put the archive.
    """
    folder = os.path.join(data_root(root), "cifar10")
    download_and_extract(REGISTRY["cifar10-python"], folder, "cifar-10-batches-py")
    return folder
