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
import re
from numbers import Integral
from pathlib import Path
from typing import Iterable, List, Optional, Sequence, Tuple, Union

import numpy as np
import torch
from torch.utils.data import Dataset

from ...io import atomic_write
from ...utils import check_bool, check_choice, check_int, check_real, check_seed
from ..registry import check_path
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
_FIRST_OP, _LAST_OP, _END_ID = _ID[LISTOPS_OPERATORS[0]], _ID[LISTOPS_OPERATORS[-1]], _ID[END]

HEADER = ("Source", "Target")
SPLITS = ("train", "val", "test")

Record = Tuple[str, int]


# ----------------------------------------------------------------------------------------- tokens
def listops_tokenize(source: str) -> List[str]:
    """Tokens of a source string: parentheses dropped, split on whitespace (``]`` stays a token)."""
    return source.replace("(", " ").replace(")", " ").split()


def listops_encode(source: Union[str, Sequence[str]]) -> List[int]:
    """Token ids (see the module docstring) of a source string or token list.

    ValueError naming the first unknown token (``<pad>`` included: it is not a source token) and its
    1-based position."""
    tokens = listops_tokenize(source) if isinstance(source, str) else list(source)
    try:
        ids = [_ID[t] for t in tokens]
    except (KeyError, TypeError):  # an unknown or unhashable token: found below
        ids = [_ID.get(t, PAD) if isinstance(t, str) else PAD for t in tokens]
    if PAD in ids:
        k = ids.index(PAD)
        raise ValueError(f"unknown token {tokens[k]!r} at token {k + 1} (the ListOps tokens are "
                         f"{' '.join(LISTOPS_TOKENS[1:])}; parentheses are dropped)")
    return ids


def listops_decode(ids: Iterable[int]) -> str:
    """Space-separated tokens of `ids` (integers 0..15, `LISTOPS_TOKENS`), padding dropped (parentheses are
    not restored). ValueError naming the first id outside the vocabulary."""
    return " ".join(LISTOPS_TOKENS[i] for i in _check_ids(ids).tolist() if i != PAD)


def _check_ids(ids, pad_ok: bool = True, where: str = "") -> np.ndarray:
    """int64 (n,) of a sequence of token ids; ValueError (prefixed by `where`) naming the first id that is
    not an integer in the vocabulary (0..15, or 1..15 when `pad_ok` is False) and its 1-based position."""
    low = PAD if pad_ok else PAD + 1
    if isinstance(ids, torch.Tensor):
        ids = ids.detach().cpu().numpy()
    if isinstance(ids, np.ndarray) and ids.ndim == 1 and ids.dtype.kind in "iu":
        bad = np.flatnonzero((ids < low) | (ids >= LISTOPS_VOCAB))
        items, first = ids, (int(bad[0]) if bad.size else None)
    else:
        items, first = list(ids), None
        for k, t in enumerate(items):
            if not isinstance(t, Integral) or isinstance(t, (bool, np.bool_)):
                raise ValueError(f"{where}token id {t!r} at token {k + 1} is not an integer (allowed: integers "
                                 f"{low}..{LISTOPS_VOCAB - 1}, see LISTOPS_TOKENS)")
            if first is None and not low <= t < LISTOPS_VOCAB:
                first = k
    if first is not None:
        pad = "" if pad_ok else "; 0 is padding, not a token of an expression"
        raise ValueError(f"{where}unknown token id {int(items[first])} at token {first + 1} (allowed: integers "
                         f"{low}..{LISTOPS_VOCAB - 1}, see LISTOPS_TOKENS{pad})")
    return np.asarray(items, dtype=np.int64)


def _structure_error(ids: np.ndarray) -> Optional[str]:
    """Why the token ids (n,) (all in 1..15) are not one well-formed expression, or None.

    Well-formed: a lone digit, or an operator whose ``]`` is the last token, every ``]`` closing an open
    operator, no operator without arguments (the rules of `evaluate_listops`, checked without evaluating).
    """
    n = len(ids)
    if n == 0:
        return "empty expression"
    is_op = (ids >= _FIRST_OP) & (ids <= _LAST_OP)
    is_end = ids == _END_ID
    if not is_op[0]:
        if is_end[0]:
            return "unbalanced expression: ']' at token 1 closes no operator"
        return None if n == 1 else "unbalanced expression: tokens after the end of the expression (token 1)"
    depth = np.cumsum(is_op.astype(np.int64) - is_end)
    ended = np.flatnonzero(depth[:-1] <= 0)
    if ended.size:
        return (f"unbalanced expression: it ends at token {int(ended[0]) + 1} of {n}, tokens follow "
                f"(a ']' too many?)")
    if depth[-1] > 0:
        return f"unbalanced expression: {int(depth[-1])} operator(s) not closed by ']'"
    empty = np.flatnonzero(is_op[:-1] & is_end[1:])
    if empty.size:
        k = int(empty[0])
        return f"operator {LISTOPS_TOKENS[int(ids[k])]} at token {k + 1} has no arguments"
    return None


def _source_error(source: str) -> Optional[str]:
    """Why a source string cannot be an expression of the release format (unbalanced parentheses), or None."""
    n_open, n_close = source.count("("), source.count(")")
    if n_open != n_close:
        return f"unbalanced parentheses: {n_open} '(' but {n_close} ')'"
    return None


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

    Blank lines are skipped. Raises `MalformedRecordError` naming the file and the 1-based line for an
    empty file, a bad header, a line that is not valid UTF-8, a row without exactly two tab-separated
    columns, a target that is not a digit 0-9, an unknown token, an unbalanced expression (different
    numbers of ``(`` and ``)``; an operator not closed by ``]``, a ``]`` closing none, tokens after the end)
    or an operator without arguments, or (``verify=True``) a target that differs from the expression's value.
    """
    return [(ids, label) for ids, label, _ in _read_tsv(path, verify)]


def _read_tsv(path, verify: bool = False) -> List[Tuple[List[int], int, int]]:
    path = Path(check_path("path", path))
    check_bool("verify", verify)
    records: List[Tuple[List[int], int, int]] = []
    with open(path, "rb") as f:
        lineno = 0
        for lineno, raw in enumerate(f, start=1):
            try:
                line = raw.decode("utf-8").rstrip("\r\n")
            except UnicodeDecodeError as e:
                raise MalformedRecordError(path, lineno, f"not valid UTF-8 (byte {e.start + 1} of the line is "
                                           f"{raw[e.start:e.start + 1]!r})") from None
            if lineno == 1:
                if tuple(line.split("\t")) != HEADER:
                    raise MalformedRecordError(path, 1, f"expected the header 'Source<TAB>Target', got {line[:60]!r}")
                continue
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
                ids = listops_encode(tokens)
            except ValueError as e:
                raise MalformedRecordError(path, lineno, str(e)) from None
            reason = _structure_error(np.asarray(ids)) or _source_error(source)
            if reason:
                raise MalformedRecordError(path, lineno, reason)
            label = int(target)
            if verify:
                try:
                    value = evaluate_listops(tokens)
                except ValueError as e:
                    raise MalformedRecordError(path, lineno, f"malformed expression: {e}") from None
                if value != label:
                    raise MalformedRecordError(path, lineno, f"target {label} but the expression's value is {value}")
            records.append((ids, label, lineno))
    if lineno == 0:
        raise MalformedRecordError(path, 1, "empty file (expected the header 'Source<TAB>Target', then one "
                                   "record per line)")
    return records


def write_listops_tsv(path: Union[str, os.PathLike], records: Iterable[Record]) -> Path:
    """Write ``(source, label)`` records as an official TSV file (header ``Source<TAB>Target``), atomically
    (a temporary file in the same folder, then renamed). Lines end with CRLF, as Python's ``csv.writer``
    in the LRA generator writes them; the reader accepts both. ValueError naming the record (0-based) for a
    source that is not a str or holds a tab or newline, or a label that is not an integer 0-9; then the
    file is not written (an existing one is kept)."""
    path = Path(check_path("path", path))
    with atomic_write(str(path), encoding="utf-8", newline="") as f:
        f.write("Source\tTarget\r\n")
        for i, (source, label) in enumerate(records):
            if not isinstance(source, str) or "\t" in source or "\n" in source or "\r" in source:
                raise ValueError(f"record {i}: source must be a str without tab or newline, got {source!r:.60}")
            label = check_int(f"label of record {i}", label, low=0, high=9)
            f.write(f"{source}\t{label}\r\n")
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
    min_length, max_length = check_int("min_length", min_length, low=0), check_int("max_length", max_length, low=1)
    seed = check_seed(seed)
    value_p = check_real("value_p", value_p, low=0.0, high=1.0)
    longest = _max_length(max_depth, max_args) if value_p > 0 else 1
    lo, hi = min_length + 1, max_length - 1  # the window is strict on both sides
    reachable = (lo <= 1 <= hi) or (longest >= 4 and max(lo, 4) <= min(hi, longest))
    if not reachable:
        possible = "1" if longest < 4 else f"1 and 4..{longest}"
        raise ValueError(f"no ListOps length satisfies {min_length} < length < {max_length} with max_depth="
                         f"{max_depth}, max_args={max_args}, value_p={value_p} (possible lengths: {possible})")
    max_tries = 200 * n + 100_000 if max_tries is None else check_int("max_tries", max_tries, low=1)
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
    LRA generator does (train first); no record is in two splits. Returns ``{split: path}``. `task`: the
    files' prefix, letters, digits and '_' (the release's is ``basic``)."""
    root = check_path("root", root)
    n_train, n_val, n_test = (check_int(name, v, low=0) for name, v in
                              (("n_train", n_train), ("n_val", n_val), ("n_test", n_test)))
    _check_task(task)
    records = generate_listops(n_train + n_val + n_test, seed=seed, **kwargs)
    bounds = {"train": (0, n_train), "val": (n_train, n_train + n_val),
              "test": (n_train + n_val, n_train + n_val + n_test)}
    return {s: write_listops_tsv(Path(root) / f"{task}_{s}.tsv", records[a:b]) for s, (a, b) in bounds.items()}


# -------------------------------------------------------------------------------------- dataset
def _check_task(task) -> str:
    """`task`, the prefix of a release's file names (``basic``), if it is letters, digits and '_'."""
    if not (isinstance(task, str) and re.fullmatch(r"\w+", task)):
        raise ValueError(f"task must be a file-name prefix of letters, digits and '_', got {task!r}")
    return task


def _check_records(data) -> List[Tuple[np.ndarray, int]]:
    """[(token ids int64 (n,), label)] of in-memory records ``(source string or token ids, label)``, each
    checked as the reader checks a line (tokens, balance, label 0-9); ValueError naming the record."""
    if isinstance(data, (bytes, dict)) or not isinstance(data, Iterable):
        raise ValueError(f"data must be a path or a sequence of (source, label) records, got {type(data).__name__}")
    out = []
    for i, rec in enumerate(data):
        where = f"ListOps: record {i}: "
        if not (isinstance(rec, (tuple, list)) and len(rec) == 2):
            raise ValueError(f"{where}expected a pair (source string or token ids, label), got {rec!r:.80}")
        source, label = rec
        if isinstance(source, str):
            try:
                ids = np.asarray(listops_encode(source), dtype=np.int64)
            except ValueError as e:
                raise ValueError(f"{where}{e}") from None
        elif isinstance(source, (bytes, bytearray)) or not isinstance(source, (Sequence, np.ndarray, torch.Tensor)):
            raise ValueError(f"{where}source must be a str or a sequence of token ids, got {type(source).__name__}")
        else:
            ids = _check_ids(source, pad_ok=False, where=where)
        reason = _structure_error(ids) or (_source_error(source) if isinstance(source, str) else None)
        if reason:
            raise ValueError(f"{where}{reason}")
        out.append((ids, check_int(f"label of ListOps record {i}", label, low=0, high=9)))
    return out


class ListOps(Dataset):
    """ListOps as a torch Dataset: ``x`` int64 (seq_len,) token ids right-padded with PAD = 0, ``y`` int64.

    `data`: path of an official TSV file (read by `read_listops_tsv`'s rules), or a sequence of records
    ``(source string or token ids, label)`` (e.g. from `generate_listops`), checked by the same rules: a
    malformed record raises ValueError naming it (0-based index) and, for token ids, the first id outside
    1..15. `seq_len` (an integer >= 1) default 2048 as in S4 (LRA lengths are below 2000, so nothing
    is cut). A record longer than `seq_len` raises ValueError naming it (file and line, or index), unless
    ``truncate=True`` (then it is cut to its first `seq_len` tokens, as S4's ``l_max`` does).
    Tokens are stored as one uint8 buffer `tokens` (about 1 byte per token): example i is
    ``tokens[offsets[i]:offsets[i] + lengths[i]]``; `labels` int64 (n,).
    """

    n_classes = 10
    vocab_size = LISTOPS_VOCAB

    def __init__(self, data, seq_len: int = 2048, truncate: bool = False):
        self.seq_len = check_int("seq_len", seq_len, low=1)
        truncate = check_bool("truncate", truncate)
        if isinstance(data, (str, os.PathLike)):
            self.path: Optional[Path] = Path(data)
            rows = _read_tsv(self.path)
            records = [(ids, y) for ids, y, _ in rows]
            where = lambda i: f"{self.path}, line {rows[i][2]}"
        else:
            self.path = None
            records = _check_records(data)
            where = lambda i: f"record {i}"
        lengths = np.array([len(ids) for ids, _ in records], dtype=np.int64)
        too_long = np.nonzero(lengths > self.seq_len)[0]
        if len(too_long) and not truncate:
            i = int(too_long[0])
            raise ValueError(f"ListOps: {where(i)} has {lengths[i]} tokens > seq_len={self.seq_len} "
                             f"({len(too_long)} record(s) too long); raise seq_len or pass truncate=True")
        labels = [y for _, y in records]
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
        check_choice("split", split, SPLITS)
        return cls(Path(check_path("root", root)) / f"{_check_task(task)}_{split}.tsv", **kwargs)

    def __len__(self) -> int:
        return len(self.labels)

    def first_tokens(self) -> torch.Tensor:
        """int64 (n,): the first token of every example (its outermost operator, or a lone digit), read
        from the token buffer at once (every example has at least one token)."""
        return torch.from_numpy(self.tokens[self.offsets[:-1].astype(np.int64)].astype(np.int64))

    def __getitem__(self, i: int):
        if i < 0:
            i += len(self)
        a, m = int(self.offsets[i]), int(self.lengths[i])
        x = torch.zeros(self.seq_len, dtype=torch.int64)
        x[:m] = torch.from_numpy(self.tokens[a:a + m].astype(np.int64))
        return x, self.labels[i]
