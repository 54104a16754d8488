r"""ListOps (Nangia & Bowman, 2018; the LRA variant of Tay et al., 2021): reader of the official TSV files,
a seeded generator that follows the LRA generator, an evaluator, and a torch Dataset.

Format of the official release (``listops-1000/basic_{train,val,test}.tsv``): a header row
``Source<TAB>Target``, then one expression and its value (a digit 0-9) per row. The source is written as
the LRA generator writes it (``to_string`` of ``lra_benchmarks/data/listops.py``): every operator
application ``[OP a1 ... an ]`` is a left-nested chain of binary pairs, each pair in parentheses, e.g.
``[MAX 2 9 ]`` is written ``( ( ( [MAX 2 ) 9 ) ] )``.

Tokens (as in the reference pipelines, state-spaces/s4 ``src/dataloaders/lra.py`` and the LRA input
pipeline): parentheses are dropped, ``]`` is a token of its own, the operators ``[MIN [MAX [MED [SM`` and
the digits ``0``-``9`` are tokens. Token ids (fixed, independent of the data; `LISTOPS_TOKENS`):
``0`` = PAD, ``1``-``10`` = digits ``0``-``9``, ``11`` = ``[MIN``, ``12`` = ``[MAX``, ``13`` = ``[MED``,
``14`` = ``[SM``, ``15`` = ``]``; vocabulary size 16. (S4 builds its vocabulary from token frequencies and
appends an EOS token; here no EOS is appended and the ids do not depend on the data.)

Operators: MIN, MAX, MED = ``int(np.median(args))`` (the mean of the two middle values for an even count,
then truncated, i.e. floored since the values are non-negative), SM = sum modulo 10.

Length of an expression = its number of tokens (parentheses not counted): 1 for a digit,
2 + the lengths of the arguments for an operator (the operator token and ``]``), as in the LRA generator.
"""
from __future__ import annotations

import os
import random
from pathlib import Path
from typing import Iterable, List, Optional, Sequence, Tuple, Union

import numpy as np
import torch
from torch.utils.data import Dataset

from ...io import atomic_write
from ...utils import check_int, check_real
from .common import PAD, MalformedRecordError

__all__ = ["LISTOPS_TOKENS", "LISTOPS_VOCAB", "LISTOPS_OPERATORS", "listops_tokenize", "listops_encode",
           "listops_decode", "evaluate_listops", "read_listops_tsv", "write_listops_tsv", "generate_listops",
           "make_listops_splits", "ListOps"]

LISTOPS_OPERATORS = ("[MIN", "[MAX", "[MED", "[SM")
END = "]"
_DIGITS = tuple(str(d) for d in range(10))
LISTOPS_TOKENS = ("<pad>",) + _DIGITS + LISTOPS_OPERATORS + (END,)
LISTOPS_VOCAB = len(LISTOPS_TOKENS)  # 16
_ID = {tok: i for i, tok in enumerate(LISTOPS_TOKENS)}
assert _ID["<pad>"] == PAD

HEADER = ("Source", "Target")
SPLITS = ("train", "val", "test")

Record = Tuple[str, int]


# ----------------------------------------------------------------------------------------- tokens
def listops_tokenize(source: str) -> List[str]:
    """Tokens of a source string: parentheses dropped, split on whitespace (``]`` stays a token)."""
    return source.replace("(", " ").replace(")", " ").split()


def listops_encode(source: Union[str, Sequence[str]]) -> List[int]:
    """Token ids (see the module docstring) of a source string or token list; KeyError on an unknown token."""
    tokens = listops_tokenize(source) if isinstance(source, str) else source
    return [_ID[t] for t in tokens]


def listops_decode(ids: Iterable[int]) -> str:
    """Space-separated tokens of `ids`, padding dropped (parentheses are not restored)."""
    return " ".join(LISTOPS_TOKENS[int(i)] for i in ids if int(i) != PAD)


# -------------------------------------------------------------------------------------- evaluator
def _apply(op: str, args: List[int]) -> int:
    if not args:
        raise ValueError(f"operator {op} without arguments")
    if op == "[MIN":
        return min(args)
    if op == "[MAX":
        return max(args)
    if op == "[MED":
        # LRA: int(np.median(args)), i.e. the mean of the two middle values for an even count, truncated
        s = sorted(args)
        h = len(s) // 2
        return s[h] if len(s) % 2 else (s[h - 1] + s[h]) // 2
    if op == "[SM":
        return sum(args) % 10
    raise ValueError(f"unknown operator {op!r}")


def evaluate_listops(expr) -> int:
    """Value (0-9) of a ListOps expression.

    `expr`: a source string (with or without the parentheses), a token list, or a tree in this module's
    form (an int leaf, or ``(op, [children])``). ValueError on an unbalanced or malformed expression.
    """
    if isinstance(expr, (int, np.integer)):
        return int(expr)
    if isinstance(expr, tuple) and len(expr) == 2 and isinstance(expr[0], str) and isinstance(expr[1], list):
        return _apply(expr[0], [evaluate_listops(c) for c in expr[1]])
    tokens = listops_tokenize(expr) if isinstance(expr, str) else list(expr)
    stack: List[Tuple[str, List[int]]] = []
    result: Optional[int] = None
    for tok in tokens:
        if tok in LISTOPS_OPERATORS:
            if result is not None:
                raise ValueError("tokens after the end of the expression")
            stack.append((tok, []))
        elif tok == END:
            if not stack:
                raise ValueError("']' without an open operator")
            op, args = stack.pop()
            value = _apply(op, args)
            if stack:
                stack[-1][1].append(value)
            else:
                result = value
        elif len(tok) == 1 and tok.isdigit():
            if stack:
                stack[-1][1].append(int(tok))
            elif result is None:
                result = int(tok)
            else:
                raise ValueError("tokens after the end of the expression")
        else:
            raise ValueError(f"unknown token {tok!r}")
    if stack:
        raise ValueError(f"{len(stack)} operator(s) not closed")
    if result is None:
        raise ValueError("empty expression")
    return result


# ------------------------------------------------------------------------------------- file I/O
def read_listops_tsv(path: Union[str, os.PathLike], verify: bool = False) -> List[Tuple[List[int], int]]:
    """Records ``(token ids, label)`` of an official ListOps TSV file (header ``Source<TAB>Target``).

    Blank lines are skipped. Raises `MalformedRecordError` naming the file and the 1-based line for a bad
    header, a row without exactly two tab-separated columns, a target that is not a digit 0-9, an unknown
    token, or (``verify=True``) a malformed expression or a target that differs from its value.
    """
    return [(ids, label) for ids, label, _ in _read_tsv(path, verify)]


def _read_tsv(path, verify: bool = False) -> List[Tuple[List[int], int, int]]:
    path = Path(path)
    records: List[Tuple[List[int], int, int]] = []
    with open(path, "r", encoding="utf-8", newline=None) as f:
        header = f.readline()
        if tuple(header.rstrip("\r\n").split("\t")) != HEADER:
            raise MalformedRecordError(path, 1, f"expected the header 'Source<TAB>Target', got {header[:60]!r}")
        for lineno, line in enumerate(f, start=2):
            line = line.rstrip("\r\n")
            if not line.strip():
                continue
            cols = line.split("\t")
            if len(cols) != 2:
                raise MalformedRecordError(path, lineno, f"expected 2 tab-separated columns, got {len(cols)}")
            source, target = cols[0], cols[1].strip()
            if not (len(target) == 1 and target.isdigit()):
                raise MalformedRecordError(path, lineno, f"target {target[:20]!r} is not a digit 0-9")
            tokens = listops_tokenize(source)
            if not tokens:
                raise MalformedRecordError(path, lineno, "empty source")
            try:
                ids = [_ID[t] for t in tokens]
            except KeyError as e:
                raise MalformedRecordError(path, lineno, f"unknown token {e.args[0]!r}") from None
            if PAD in ids:
                raise MalformedRecordError(path, lineno, "unknown token '<pad>'")
            label = int(target)
            if verify:
                try:
                    value = evaluate_listops(tokens)
                except ValueError as e:
                    raise MalformedRecordError(path, lineno, f"malformed expression: {e}") from None
                if value != label:
                    raise MalformedRecordError(path, lineno, f"target {label} but the expression's value is {value}")
            records.append((ids, label, lineno))
    return records


def write_listops_tsv(path: Union[str, os.PathLike], records: Iterable[Record]) -> Path:
    """Write ``(source, label)`` records as an official TSV file (header ``Source<TAB>Target``), atomically
    (a temporary file in the same folder, then renamed). Lines end with CRLF, as Python's ``csv.writer``
    in the LRA generator writes them; the reader accepts both."""
    path = Path(path)
    with atomic_write(str(path), encoding="utf-8", newline="") as f:
        f.write("Source\tTarget\r\n")
        for source, label in records:
            if "\t" in source or "\n" in source or "\r" in source:
                raise ValueError(f"source contains a tab or newline: {source[:60]!r}")
            f.write(f"{source}\t{int(label)}\r\n")
    return path


# ------------------------------------------------------------------------------------- generator
class _TooLong(Exception):
    pass


def _max_length(max_depth: int, max_args: int) -> int:
    """Largest length a tree of the generator can have (every node an operator with `max_args` args)."""
    n = 1
    for _ in range(max_depth - 1):
        n = 2 + max_args * n
    return n


def _to_source(tree) -> str:
    """The LRA ``to_string`` form: ``[OP a1 .. an ]`` as ``( ( ( [OP a1 ) a2 ) .. ] )``."""
    parts: List[str] = []

    def emit(t):
        if isinstance(t, int):
            parts.append(str(t))
            return
        op, args = t
        parts.append("( " * (len(args) + 1) + op + " ")
        emit(args[0])
        parts.append(" )")
        for a in args[1:]:
            parts.append(" ")
            emit(a)
            parts.append(" )")
        parts.append(" ] )")

    emit(tree)
    return "".join(parts)


def generate_listops(n: int, seed: int = 0, min_length: int = 500, max_length: int = 2000, max_depth: int = 10,
                     max_args: int = 10, value_p: float = 0.25, max_tries: Optional[int] = None) -> List[Record]:
    r"""`n` distinct ``(source, label)`` records drawn as the LRA generator draws them (seeded).

    The LRA generator (``generate_tree`` in google-research/long-range-arena
    ``lra_benchmarks/data/listops.py``), starting at depth 1: below `max_depth` a uniform ``r`` is drawn and
    the node is an *operator* when ``r <= VALUE_P`` (0.25), a digit otherwise (the constant's name
    notwithstanding, `value_p` is the probability of an operator); at `max_depth` the node is a digit.
    An operator has ``randint(2, max_args)`` arguments (2..max_args inclusive), each a subtree, and a
    uniformly chosen operator of MIN, MAX, MED, SM; digits are uniform over 0-9. A tree is kept when
    ``min_length < length < max_length`` (strict), and duplicates are dropped. Records come in the order
    they were first drawn (LRA iterates a Python set, whose order is not reproducible).

    Acceptance (measured with the other defaults): about 9% of draws at (500, 2000) and about 2.6% at
    (30, 200); the rejected draws are mostly single digits or tiny trees and cost little. A tree is abandoned as soon as it exceeds `max_length`
    (this changes no accepted sample). ValueError when no length is possible in the window (lengths are
    1 or 4 .. the largest tree); RuntimeError after `max_tries` draws (default ``200 * n + 100_000``)
    without `n` distinct records, naming the acceptance so far.
    """
    n, max_depth, max_args = check_int("n", n, low=0), check_int("max_depth", max_depth, low=1), \
        check_int("max_args", max_args, low=2)
    value_p = check_real("value_p", value_p, low=0.0, high=1.0)
    longest = _max_length(max_depth, max_args) if value_p > 0 else 1
    lo, hi = min_length + 1, max_length - 1  # the window is strict on both sides
    reachable = (lo <= 1 <= hi) or (longest >= 4 and max(lo, 4) <= min(hi, longest))
    if not reachable:
        possible = "1" if longest < 4 else f"1 and 4..{longest}"
        raise ValueError(f"no ListOps length satisfies {min_length} < length < {max_length} with max_depth="
                         f"{max_depth}, max_args={max_args}, value_p={value_p} (possible lengths: {possible})")
    if max_tries is None:
        max_tries = 200 * n + 100_000
    rng = random.Random(seed)
    rand = rng.random  # int(rand() * k) is uniform on 0..k-1 up to 2**-53, and much faster than randint
    ops = LISTOPS_OPERATORS
    n_args = max_args - 1

    def tree(depth: int) -> int:
        """Append the node's source text to `parts` and return its value; _TooLong past the budget."""
        nonlocal budget
        if depth < max_depth and rand() <= value_p:
            k = 2 + int(rand() * n_args)
            op = ops[int(rand() * 4)]
            budget -= 2
            if budget < 0:
                raise _TooLong
            parts.append("( " * (k + 1) + op + " ")
            values = []
            for j in range(k):
                if j:
                    parts.append(" ")
                values.append(tree(depth + 1))
                parts.append(" )")
            parts.append(" ] )")
            return _apply(op, values)
        budget -= 1
        if budget < 0:
            raise _TooLong
        d = int(rand() * 10)
        parts.append(_DIGITS[d])
        return d

    seen = set()
    out: List[Record] = []
    tries = 0
    while len(out) < n:
        if tries >= max_tries:
            raise RuntimeError(f"generate_listops: {len(out)} of {n} distinct records after {tries} draws "
                               f"(window {min_length} < length < {max_length}, max_depth={max_depth}, "
                               f"max_args={max_args}, value_p={value_p}); widen the window or ask for fewer")
        tries += 1
        budget = max_length - 1
        parts: List[str] = []
        try:
            value = tree(1)
        except _TooLong:
            continue
        length = max_length - 1 - budget
        if not (min_length < length < max_length):
            continue
        source = "".join(parts)
        if source in seen:
            continue
        seen.add(source)
        out.append((source, value))
    return out


def make_listops_splits(root: Union[str, os.PathLike], n_train: int = 96_000, n_val: int = 2_000,
                        n_test: int = 2_000, seed: int = 0, task: str = "basic", **kwargs) -> dict:
    """Generate ``n_train + n_val + n_test`` distinct records (`generate_listops`, `kwargs` passed on) and
    write ``{task}_train.tsv``, ``{task}_val.tsv``, ``{task}_test.tsv`` into `root`, split in order as the
    LRA generator does (train first); no record is in two splits. Returns ``{split: path}``."""
    records = generate_listops(n_train + n_val + n_test, seed=seed, **kwargs)
    bounds = {"train": (0, n_train), "val": (n_train, n_train + n_val),
              "test": (n_train + n_val, n_train + n_val + n_test)}
    return {s: write_listops_tsv(Path(root) / f"{task}_{s}.tsv", records[a:b]) for s, (a, b) in bounds.items()}


# -------------------------------------------------------------------------------------- dataset
class ListOps(Dataset):
    """ListOps as a torch Dataset: ``x`` int64 (seq_len,) token ids right-padded with PAD = 0, ``y`` int64.

    `data`: path of an official TSV file, or a sequence of records ``(source string or token ids, label)``
    (e.g. from `generate_listops`). `seq_len` default 2048 as in S4 (LRA lengths are below 2000, so nothing
    is cut). A record longer than `seq_len` raises ValueError naming it (file and line, or index), unless
    ``truncate=True`` (then it is cut to its first `seq_len` tokens, as S4's ``l_max`` does).
    Tokens are stored as one uint8 buffer (about 1 byte per token).
    """

    n_classes = 10
    vocab_size = LISTOPS_VOCAB

    def __init__(self, data, seq_len: int = 2048, truncate: bool = False):
        if int(seq_len) < 1:
            raise ValueError(f"seq_len must be >= 1, got {seq_len}")
        self.seq_len = int(seq_len)
        if isinstance(data, (str, os.PathLike)):
            self.path: Optional[Path] = Path(data)
            rows = _read_tsv(self.path)
            records = [(ids, y) for ids, y, _ in rows]
            where = lambda i: f"{self.path}, line {rows[i][2]}"
        else:
            self.path = None
            records = [(listops_encode(s) if isinstance(s, str) else [int(t) for t in s], int(y)) for s, y in data]
            where = lambda i: f"record {i}"
        lengths = np.array([len(ids) for ids, _ in records], dtype=np.int64)
        too_long = np.nonzero(lengths > self.seq_len)[0]
        if len(too_long) and not truncate:
            i = int(too_long[0])
            raise ValueError(f"ListOps: {where(i)} has {lengths[i]} tokens > seq_len={self.seq_len} "
                             f"({len(too_long)} record(s) too long); raise seq_len or pass truncate=True")
        labels = [y for _, y in records]
        if any(not 0 <= y < 10 for y in labels):
            raise ValueError("ListOps: labels must be digits 0-9")
        self.lengths = np.minimum(lengths, self.seq_len)
        self.offsets = np.concatenate([[0], np.cumsum(self.lengths)])
        buf = np.zeros(int(self.offsets[-1]), dtype=np.uint8)
        for (ids, _), a, m in zip(records, self.offsets[:-1], self.lengths):
            buf[a:a + m] = ids[:m]
        self.tokens = buf
        self.labels = torch.tensor(labels, dtype=torch.int64)

    @classmethod
    def from_dir(cls, root: Union[str, os.PathLike], split: str, task: str = "basic", **kwargs) -> "ListOps":
        """The split ``train``/``val``/``test`` of the release folder `root` (``{task}_{split}.tsv``)."""
        if split not in SPLITS:
            raise ValueError(f"split must be one of {SPLITS}, got {split!r}")
        return cls(Path(root) / f"{task}_{split}.tsv", **kwargs)

    def __len__(self) -> int:
        return len(self.labels)

    def __getitem__(self, i: int):
        if i < 0:
            i += len(self)
        a, m = int(self.offsets[i]), int(self.lengths[i])
        x = torch.zeros(self.seq_len, dtype=torch.int64)
        x[:m] = torch.from_numpy(self.tokens[a:a + m].astype(np.int64))
        return x, self.labels[i]
