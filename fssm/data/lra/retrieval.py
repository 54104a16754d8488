r"""LRA Retrieval: ACL Anthology Network citation pairs as bytes (Tay et al., 2021, section 3.4).

Files read (the official LRA release, `lra_release_folder("tsv_data")`):

    new_aan_pairs.train.tsv   new_aan_pairs.eval.tsv   new_aan_pairs.test.tsv

one pair per line, no header, tab-separated, five columns `label  id1  id2  text1  text2` (the column names
and order of the LRA input pipeline, lra_benchmarks/matching/input_pipeline.py, which reads the files with
`field_delim='\t'`, `header=False`, `use_quote_delim=False`; the S4 loader reads the same columns). The
label is 1 when one paper cites the other, else 0; LRA parses it as a float, so "1" and "1.0" are both read
as 1. Quotes are not special (as in LRA): a field is everything between two tabs.

Item: x int64 (2, seq_len): row 0 = text1, row 1 = text2, each as raw bytes b -> token b + 1 (vocab
`BYTE_VOCAB` = 257, 0 = padding), truncated / right-padded to seq_len (default 4000, as in LRA);
y int64 scalar in {0, 1}.
"""
from __future__ import annotations

import os
from typing import Optional, Tuple

import numpy as np
import torch
from torch.utils.data import Dataset

from ...utils import check_choice, check_int
from ..registry import check_path, lra_release_folder
from .common import BYTE_VOCAB, MalformedRecordError, encode_bytes

__all__ = ["AAN", "AAN_FILES", "parse_aan_line"]

AAN_FILES = {"train": "new_aan_pairs.train.tsv", "val": "new_aan_pairs.eval.tsv", "test": "new_aan_pairs.test.tsv"}
N_COLUMNS = 5


def _parse_label(field: bytes) -> Optional[int]:
    try:
        v = float(field.decode("ascii"))
    except (UnicodeDecodeError, ValueError):
        return None
    return int(v) if v in (0.0, 1.0) else None


def parse_aan_line(line: bytes, path: str, lineno: int) -> Tuple[int, bytes, bytes]:
    """(label, text1, text2) of one TSV line (bytes, without or with its line end).

    Raises MalformedRecordError naming `path` and `lineno` for a wrong number of columns or a label that
    is not 0 or 1.
    """
    fields = line.rstrip(b"\r\n").split(b"\t")
    if len(fields) != N_COLUMNS:
        raise MalformedRecordError(path, lineno, f"expected {N_COLUMNS} tab-separated columns "
                                   f"(label, id1, id2, text1, text2), got {len(fields)}")
    label = _parse_label(fields[0])
    if label is None:
        raise MalformedRecordError(path, lineno, f"label must be 0 or 1, got {fields[0][:40]!r}")
    return label, fields[3], fields[4]


class AAN(Dataset):
    """Pairs of ACL Anthology papers: x int64 (2, seq_len), y int64 (1 = citation link).

    root: the folder holding the new_aan_pairs.*.tsv files (None: the extracted LRA release's tsv_data/,
    see `fssm.data.registry.lra_release_folder`); split: "train", "val" (the file `.eval.tsv`) or "test".
    The file is checked line by line when the dataset is built (a malformed line raises
    MalformedRecordError with file and line; blank lines are skipped); only the byte offset of each line is
    kept and the texts are read on access, so memory stays small. Order: the file's. `labels`: int64 (n,).
    """

    n_classes = 2
    vocab_size = BYTE_VOCAB

    def __init__(self, root: Optional[str] = None, split: str = "train", seq_len: int = 4000):
        check_choice("split", split, tuple(AAN_FILES))
        self.seq_len = check_int("seq_len", seq_len, low=1)
        root = lra_release_folder("tsv_data") if check_path("root", root, none_ok=True) is None else os.fspath(root)
        self.path = os.path.join(root, AAN_FILES[split])
        if not os.path.isfile(self.path):
            raise FileNotFoundError(f"AAN: {self.path} is missing (expected the LRA release's tsv_data/ "
                                    f"with new_aan_pairs.{{train,eval,test}}.tsv)")
        offsets, lines, labels = [], [], []
        with open(self.path, "rb") as f:
            pos = 0
            for lineno, line in enumerate(f, 1):
                if line.strip():
                    labels.append(parse_aan_line(line, self.path, lineno)[0])
                    offsets.append(pos)
                    lines.append(lineno)
                pos += len(line)
        self.offsets = np.asarray(offsets, dtype=np.int64)
        self.line_numbers = np.asarray(lines, dtype=np.int64)
        self.labels = torch.tensor(labels, dtype=torch.int64)

    def __len__(self) -> int:
        return len(self.offsets)

    def __getitem__(self, i: int) -> Tuple[torch.Tensor, torch.Tensor]:
        with open(self.path, "rb") as f:
            f.seek(int(self.offsets[i]))
            label, text1, text2 = parse_aan_line(f.readline(), self.path, int(self.line_numbers[i]))
        x = torch.stack([encode_bytes(text1, self.seq_len), encode_bytes(text2, self.seq_len)])
        return x, torch.tensor(label, dtype=torch.int64)
