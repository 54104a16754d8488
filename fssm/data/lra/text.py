r"""LRA Text: IMDB movie reviews as bytes (Tay et al., 2021, section 3.3), from the standard aclImdb layout.

Layout read (the Stanford release `aclImdb_v1.tar.gz`, REGISTRY['imdb']):

    ROOT/aclImdb/train/neg/*.txt   ROOT/aclImdb/train/pos/*.txt   (12,500 + 12,500 reviews)
    ROOT/aclImdb/test/neg/*.txt    ROOT/aclImdb/test/pos/*.txt    (12,500 + 12,500 reviews)

one review per file, UTF-8, file name ID_RATING.txt; label neg = 0, pos = 1. `train/unsup` (unlabelled
reviews) and the bag-of-words files are ignored. LRA reads the same reviews through tfds `imdb_reviews`
with a byte encoder and evaluates on the test split (it has no separate validation split; S4 does the same
by default), which is what split="val" gives here unless val_size > 0.

Item: x int64 (seq_len,) = the file's raw bytes b as tokens b + 1 (vocab `BYTE_VOCAB` = 257, 0 = padding),
truncated / right-padded to `seq_len` (default 4096); y int64 scalar in {0, 1}.
"""
from __future__ import annotations

import os
from itertools import zip_longest
from typing import List, Optional, Tuple

import torch
from torch.utils.data import Dataset

from ...utils import check_choice, check_int, check_seed
from ..registry import REGISTRY, check_path, data_root, download_and_extract
from .common import BYTE_VOCAB, MalformedRecordError, encode_bytes

__all__ = ["IMDB", "download_imdb", "read_review"]

LABELS = (("neg", 0), ("pos", 1))


def read_review(path: str) -> bytes:
    """The bytes of one review file; raises MalformedRecordError (line 1) naming the file when it cannot be
    read or is not valid UTF-8."""
    path = check_path("path", path)
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as e:
        raise MalformedRecordError(path, 1, f"cannot read the review ({e.strerror or e})") from e
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise MalformedRecordError(path, 1, f"not valid UTF-8 at byte {e.start}") from e
    return data


class IMDB(Dataset):
    """IMDB reviews as byte sequences: x int64 (seq_len,), y int64 in {0 neg, 1 pos}.

    root: the folder holding `aclImdb/` (what `download_imdb` returns); split: "train", "val" or "test".
    LRA has no validation split and validates on the test set (S4 too, by default): with val_size=0
    (default) "val" *is* the test set. With val_size > 0, "val" is val_size reviews of aclImdb/train chosen
    by a permutation seeded with `seed`, and "train" the other reviews.

    Order is deterministic: neg and pos files each sorted by file name (string order), then interleaved
    neg, pos, neg, pos, ... (the rest of the larger class at the end), so that any prefix (e.g. a
    `Subset(ds, range(n))` at a small scale) holds both classes. Files are read lazily in `__getitem__`; a
    file that cannot be read or decoded raises MalformedRecordError naming it. `files`: paths in order;
    `labels`: int64 (n,), e.g. for a majority baseline.
    """

    n_classes = 2
    vocab_size = BYTE_VOCAB

    def __init__(self, root: str, split: str = "train", seq_len: int = 4096, val_size: int = 0, seed: int = 0):
        root = check_path("root", root)
        check_choice("split", split, ("train", "val", "test"))
        self.seq_len = check_int("seq_len", seq_len, low=1)
        val_size, seed = check_int("val_size", val_size, low=0), check_seed(seed)
        source = "test" if split == "test" or (split == "val" and val_size == 0) else "train"
        folder = os.path.join(root, "aclImdb", source)
        per_class: List[List[Tuple[str, int]]] = []
        for name, label in LABELS:
            d = os.path.join(folder, name)
            if not os.path.isdir(d):
                raise FileNotFoundError(f"IMDB: {d} is missing (expected the aclImdb layout "
                                        f"ROOT/aclImdb/{{train,test}}/{{pos,neg}}/*.txt under {root}; "
                                        f"fssm.data.lra.download_imdb() fetches it)")
            per_class.append([(os.path.join(d, f), label) for f in sorted(os.listdir(d)) if f.endswith(".txt")])
        files = [item for pair in zip_longest(*per_class) for item in pair if item is not None]
        if not files:
            raise FileNotFoundError(f"IMDB: no *.txt reviews in {folder}/pos or {folder}/neg")
        if source == "train" and val_size > 0:
            if val_size >= len(files):
                raise ValueError(f"val_size must be below the {len(files)} training reviews, got {val_size}")
            perm = torch.randperm(len(files), generator=torch.Generator().manual_seed(seed)).tolist()
            held = set(perm[:val_size])
            keep = sorted(held) if split == "val" else [i for i in range(len(files)) if i not in held]
            files = [files[i] for i in keep]
        self.files = [f for f, _ in files]
        self.labels = torch.tensor([y for _, y in files], dtype=torch.int64)

    def __len__(self) -> int:
        return len(self.files)

    def __getitem__(self, i: int) -> Tuple[torch.Tensor, torch.Tensor]:
        return encode_bytes(read_review(self.files[i]), self.seq_len), self.labels[i]


def download_imdb(root: Optional[str] = None) -> str:
    """Download aclImdb_v1.tar.gz (REGISTRY['imdb'], md5-verified) into DATA/imdb and extract it once.

    DATA = `root`, else $FSSM_DATA, else ~/.cache/fssm. The extraction is atomic (temporary folder, then a
    rename) and done once: later calls return at once and an interrupted run never leaves a half folder. Returns DATA/imdb,
    the `root` that `IMDB` reads. Without network: ConnectionError saying where to put the archive.
    """
    folder = os.path.join(data_root(root), "imdb")
    download_and_extract(REGISTRY["imdb"], folder, "aclImdb")
    return folder
