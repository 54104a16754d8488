r"""Pathfinder-style images (Linsley et al., 2018; the LRA Pathfinder / Path-X release), generated offline.

Follows the published generator (drewlinsley/pathfinder, ``snakes2.py`` / ``snakes.py``) with the LRA
parameters (``lra_benchmarks/data/pathfinder.py`` docstrings):

- Every image holds **two target contours** ("snakes") of `contour_length` paddles whose first paddles
  start `seed_distance` apart near the centre (snakes2 ``initialize_two_seeds``: the first tail lies at
  least ``2 * seed_distance`` from the border, the second at ``seed_distance`` from the first in a uniform
  direction); the two grow alternately, paddle by paddle. One marker goes on the start of snake ``i``
  (``i`` uniform); the second marker goes on the far end of the same snake (label 1) or of the other
  snake (label 0). So positives and negatives have the same ink, only the markers differ.
- A paddle is a straight dash of `paddle_length` px; snake geometry as in ``extend_snake``: the next pivot
  is ``paddle_length + 2 * margin`` ahead along the previous paddle, the new paddle runs from ``margin``
  to ``margin + paddle_length`` from that pivot, so dashes are separated by gaps of about
  ``2 * margin``. The turn ``delta`` between successive paddles has density proportional to
  ``cos(min(continuity * delta, pi/2))**2`` (``get_coords_cmf``), bounded by ``pi / (2 continuity)``.
- Contours may not touch: a new paddle must keep `separation` px from the ink of every earlier paddle
  except the one just before it (snakes: the dilated masks may not overlap, which also excludes the one
  just before); a snake that cannot continue fails, and an image whose target snakes fail is redrawn.
- Distractors: `n_distractors` snakes of `distractor_length` paddles (LRA: ``contour_length // 3`` and
  ``20 // distractor_length`` at 32x32), started at uniform free pixels, each tried up to 5 times and
  dropped when it cannot be placed (snakes ``make_many_snakes(..., allow_incomplete=True)``).
- Markers: filled discs of radius `marker_radius` at the tips.

Parameter presets (`PRESETS`) follow the LRA docstrings: 32x32 paddle 2, margin 1, thickness 0.5, marker
radius 1.5, seed distance 7, continuity 1.0; 128x128 (Path-X) paddle 5 (the snakes2 default), margin 2 or 3
(per image), thickness 1.5, marker radius 3, seed distance 20, continuity 1.8, ``35 // distractor_length``
distractors. Other resolutions scale the 32x32 preset by ``resolution / 32``.

Departures from the published generator (documented, deliberate):
- vectorised over images with numpy; the turn is drawn from ``n_angles`` jittered angles in
  ``(-pi/(2c), pi/(2c))`` weighted by ``cos(c delta)**2`` instead of the integer pixels on a circle;
- ink is rasterised by point sampling on a ``antialias``-times finer grid, then box-averaged (not PIL
  lines + Lanczos resizing); intensity ``min(1, coverage / min(1, thickness))``, paddles and markers both
  at full intensity 255 (snakes2 scales paddle contrast by 1.5 and rescales each image to 0..255);
- no single-paddle distractors (the snakes2 wrapper sets ``use_single_paddles = False``);
- the contact test is a distance test on sample points of the paddles (`separation`, default
  ``1.5 * margin``, about what the overlap of two margin-dilated, anti-aliased masks allows) rather than
  the overlap of dilated masks;
- the second seed paddle is also checked against the first (snakes2 checks only the bounds).
"""
from __future__ import annotations

import math
import os
from dataclasses import dataclass, fields, replace
from typing import Optional, Tuple, Union

import numpy as np
import torch
from torch.utils.data import Dataset

from ...utils import ArgumentTypeError, check_int, check_real, check_seed
from ..registry import check_path

__all__ = ["PathfinderParams", "PRESETS", "pathfinder_params", "generate_pathfinder",
           "PathfinderGenerated", "make_pathfinder_release"]

@dataclass(frozen=True)
class PathfinderParams:
    """Geometry of one resolution (pixels of that resolution); see the module docstring for the sources."""
    resolution: int = 32
    paddle_length: float = 2.0
    margins: Tuple[float, ...] = (1.0,)       # one drawn per image (LRA paddle_margin_list)
    thickness: float = 0.5
    marker_radius: float = 1.5
    seed_distance: float = 7.0
    continuity: float = 1.0
    padding: float = 1.0
    distractor_ink: int = 20                   # n_distractors = distractor_ink // distractor_length
    antialias: int = 2

    def validate(self) -> "PathfinderParams":
        """Return self, or raise ValueError naming the first field of the wrong type or out of range:
        resolution integer >= 16, antialias integer >= 1, distractor_ink integer >= 0, continuity >= 1
        (turns bounded by 90 degrees), padding >= 0, margins a non-empty tuple, the other lengths > 0,
        all finite."""
        name = lambda field: f"PathfinderParams.{field}"
        check_int(name("resolution"), self.resolution, low=16)
        check_int(name("antialias"), self.antialias, low=1)
        check_int(name("distractor_ink"), self.distractor_ink, low=0)
        for field in ("paddle_length", "thickness", "marker_radius", "seed_distance"):
            check_real(name(field), getattr(self, field), low=0.0, low_open=True)
        check_real(name("continuity"), self.continuity, low=1.0)
        check_real(name("padding"), self.padding, low=0.0)
        if not isinstance(self.margins, (tuple, list)) or not self.margins:
            raise ValueError(f"{name('margins')} must be a non-empty tuple of lengths > 0, got {self.margins!r}")
        for m in self.margins:
            check_real(name("margins") + " entries", m, low=0.0, low_open=True)
        return self


PRESETS = {
    32: PathfinderParams(),
    64: PathfinderParams(resolution=64, paddle_length=2.0, margins=(1.0,), thickness=1.0, marker_radius=2.5,
                         seed_distance=12.0, continuity=1.8, distractor_ink=22),
    128: PathfinderParams(resolution=128, paddle_length=5.0, margins=(2.0, 3.0), thickness=1.5,
                          marker_radius=3.0, seed_distance=20.0, continuity=1.8, distractor_ink=35),
}


def pathfinder_params(resolution: int = 32, **overrides) -> PathfinderParams:
    """The preset of `resolution` (32, 64, 128), or the 32x32 preset scaled by ``resolution / 32``
    (an integer >= 16); any field can be overridden (ValueError naming an unknown one)."""
    resolution = check_int("resolution", resolution, low=16)
    known = tuple(f.name for f in fields(PathfinderParams))
    for key in overrides:
        if key not in known:
            raise ValueError(f"pathfinder_params: unknown field {key!r}; the fields are {', '.join(known)}")
    if resolution in PRESETS:
        p = PRESETS[resolution]
    else:
        s = resolution / 32.0
        b = PRESETS[32]
        p = replace(b, resolution=int(resolution), paddle_length=b.paddle_length * s,
                    margins=tuple(m * s for m in b.margins), thickness=b.thickness * s,
                    marker_radius=b.marker_radius * s, seed_distance=b.seed_distance * s,
                    padding=b.padding * s)
    return replace(p, **overrides).validate()


# ------------------------------------------------------------------------------------- internals
# All arrays are per image of a chunk (n rows). Coordinates are (y, x) in pixels, pixel centres at integers.
_SNAKE_TRIALS = 5        # snakes: max_distractor_contour_retrial = 4, i.e. up to 5 attempts per distractor
_TARGET_ROUNDS = 1000    # redraws of the target snakes before giving up (32x32, 14 paddles: ~8% accepted)


def _unit(theta):
    return np.stack([np.sin(theta), np.cos(theta)], -1)


class _Geo:
    """Per-chunk constants: margins per image, sample counts, stamping offsets."""

    def __init__(self, p: PathfinderParams, margin: np.ndarray):
        self.p, self.H, self.L = p, p.resolution, p.paddle_length
        self.margin = margin                       # (n,)
        self.sep = 1.5 * margin                    # (n,) minimum ink distance between non-adjacent paddles
        self.P = max(3, int(math.ceil(2 * self.L)) + 1)   # sample points per paddle, spacing <= 0.5 px
        r = int(math.ceil(self.sep.max()))
        dy, dx = np.mgrid[-r:r + 1, -r:r + 1]
        self.offs = np.stack([dy.ravel(), dx.ravel()], 1).astype(np.int64)
        self.offs_r = np.hypot(dy.ravel(), dx.ravel())
        self.lo, self.hi = p.padding, self.H - 1 - p.padding

    def points(self, a, b):
        """(..., P, 2) sample points of the segments a -> b, (..., 2) each."""
        t = np.linspace(0.0, 1.0, self.P)
        return a[..., None, :] + t[:, None] * (b - a)[..., None, :]

    def free(self, pts, occ):
        """pts (n, ..., P, 2) -> (n, ...): inside the padded window and on no occupied pixel of occ[row]."""
        inside = ((pts >= self.lo) & (pts <= self.hi)).all(-1).all(-1)
        iy = np.clip(np.rint(pts[..., 0]).astype(np.int64), 0, self.H - 1)
        ix = np.clip(np.rint(pts[..., 1]).astype(np.int64), 0, self.H - 1)
        rows = np.arange(len(pts)).reshape((-1,) + (1,) * (pts.ndim - 2))
        return inside & ~occ[rows, iy, ix].any(-1)


def _new_state(geo, rows, tail, theta):
    d = _unit(theta)
    m = geo.margin[rows, None]
    return {"pivot": tail - m * d, "theta": theta.copy(), "a": tail.copy(), "b": tail + geo.L * d}


def _extend(rng, geo, rows, st, occ, n_angles, others=(), active=None):
    """Add one paddle to the snakes `st` of images `rows` (occ has the same rows), for the rows where
    `active` (default all). The candidate must be free in occ (which holds every paddle but the snake's
    own last one) and keep `sep` from the last paddles of the snakes in `others`. Updates st and occ where
    it succeeds; returns success (n,) (False where not active)."""
    n_all = len(rows)
    idx = np.arange(n_all) if active is None else np.nonzero(active)[0]
    success_all = np.zeros(n_all, dtype=bool)
    if len(idx) == 0:
        return success_all
    c, K, n = geo.p.continuity, n_angles, len(idx)
    g = rows[idx]
    m = geo.margin[g]
    theta0, pivot0 = st["theta"][idx], st["pivot"][idx]
    pivot = pivot0 + (geo.L + 2 * m)[:, None] * _unit(theta0)
    half = 0.5 * math.pi / c
    delta = -half + 2 * half * (np.arange(K) + rng.random((n, K))) / K                # jittered grid
    theta = theta0[:, None] + delta                                                   # (n, K)
    d = _unit(theta)
    a = pivot[:, None, :] + m[:, None, None] * d
    b = a + geo.L * d
    pts = geo.points(a, b)                                                            # (n, K, P, 2)
    ok = geo.free(pts, occ[idx])
    for o in others:
        q = geo.points(o["a"][idx], o["b"][idx])                                      # (n, P, 2)
        dist = np.linalg.norm(pts[:, :, :, None, :] - q[:, None, None, :, :], axis=-1).min((2, 3))
        ok &= dist > geo.sep[g, None]
    w = np.cos(c * delta) ** 2 * ok
    tot = w.sum(1)
    s = tot > 0
    k = np.minimum((np.cumsum(w, 1) <= (rng.random(n) * tot)[:, None]).sum(1), K - 1)
    r = np.arange(n)
    i = idx[s]
    # the snake's previous paddle becomes an obstacle for everything drawn later
    if len(i):
        _stamp_rows(geo, occ, i, st["a"][i], st["b"][i], rows[i])
        st["pivot"][i] = pivot[s]
        st["theta"][i] = theta[r, k][s]
        st["a"][i] = a[r, k][s]
        st["b"][i] = b[r, k][s]
    success_all[i] = True
    return success_all


def _stamp_rows(geo, occ, local_rows, a, b, global_rows):
    """Stamp segments into occ[local_rows], with the separations of images global_rows."""
    q = np.rint(geo.points(a, b)).astype(np.int64)[:, :, None, :] + geo.offs
    ok = (geo.offs_r <= geo.sep[global_rows, None, None] + 1e-9) & (q >= 0).all(-1) & (q < geo.H).all(-1)
    r = np.broadcast_to(local_rows[:, None, None], ok.shape)[ok]
    occ[r, q[..., 0][ok], q[..., 1][ok]] = True


def _targets(rng, geo, rows, contour_length, n_angles):
    """Two target snakes in the images `rows`. Returns ok (n,), segs (n, 2, C, 2, 2), occ (n, H, W)."""
    p, H, n = geo.p, geo.H, len(rows)
    lo, hi = 2 * p.seed_distance, H - 1 - 2 * p.seed_distance
    if hi < lo:
        lo = hi = (H - 1) / 2.0
    tail1 = lo + rng.random((n, 2)) * (hi - lo)
    tail2 = tail1 + p.seed_distance * _unit(rng.uniform(-math.pi, math.pi, n))
    s1 = _new_state(geo, rows, tail1, rng.uniform(-math.pi, math.pi, n))
    s2 = _new_state(geo, rows, tail2, rng.uniform(-math.pi, math.pi, n))
    occ = np.zeros((n, H, H), dtype=bool)
    ok = geo.free(geo.points(s1["a"], s1["b"]), occ) & geo.free(geo.points(s2["a"], s2["b"]), occ)
    q1, q2 = geo.points(s1["a"], s1["b"]), geo.points(s2["a"], s2["b"])
    ok &= np.linalg.norm(q1[:, :, None] - q2[:, None, :], axis=-1).min((1, 2)) > geo.sep[rows]
    segs = np.zeros((n, 2, contour_length, 2, 2))
    for j, st in enumerate((s1, s2)):
        segs[:, j, 0, 0], segs[:, j, 0, 1] = st["a"], st["b"]
    for i in range(1, contour_length):
        ok &= _extend(rng, geo, rows, s1, occ, n_angles, others=(s2,), active=ok)
        ok &= _extend(rng, geo, rows, s2, occ, n_angles, others=(s1,), active=ok)
        for j, st in enumerate((s1, s2)):
            segs[:, j, i, 0], segs[:, j, i, 1] = st["a"], st["b"]
    local = np.arange(n)
    for st in (s1, s2):
        _stamp_rows(geo, occ, local, st["a"], st["b"], rows)
    return ok, segs, occ


def _distractors(rng, geo, occ, n_snakes, length, n_angles):
    """Up to `n_snakes` distractor snakes of `length` paddles per image (occ updated in place).
    Returns segs (n, n_snakes, length, 2, 2) and valid (n, n_snakes)."""
    n, H = len(occ), geo.H
    rows_all = np.arange(n)
    segs = np.zeros((n, n_snakes, length, 2, 2))
    valid = np.zeros((n, n_snakes), dtype=bool)
    n_seed = 8   # random start positions tried per attempt (snakes: a uniform free pixel)
    for j in range(n_snakes):
        for _ in range(_SNAKE_TRIALS):
            rows = np.nonzero(~valid[:, j])[0]
            if len(rows) == 0:
                break
            m = len(rows)
            tails = geo.lo + rng.random((m, n_seed, 2)) * (geo.hi - geo.lo)
            th = rng.uniform(-math.pi, math.pi, (m, n_seed))
            d = _unit(th)
            pts = geo.points(tails, tails + geo.L * d)                                # (m, S, P, 2)
            fr = geo.free(pts, occ[rows])
            has = fr.any(1)
            pick = np.argmax(fr, 1)
            r = np.arange(m)
            st = _new_state(geo, rows, tails[r, pick], th[r, pick])
            local = occ[rows].copy()
            ok = has.copy()
            seg = np.zeros((m, length, 2, 2))
            seg[:, 0, 0], seg[:, 0, 1] = st["a"], st["b"]
            for i in range(1, length):
                ok &= _extend(rng, geo, rows, st, local, n_angles, active=ok)
                seg[:, i, 0], seg[:, i, 1] = st["a"], st["b"]
            _stamp_rows(geo, local, r, st["a"], st["b"], rows)
            occ[rows[ok]] = local[ok]
            segs[rows[ok], j] = seg[ok]
            valid[rows[ok], j] = True
    return segs, valid


def _render(p: PathfinderParams, segs, valid, markers):
    """uint8 (n, H, W): paddles segs (n, S, 2, 2) where valid (n, S), filled discs at markers (n, M, 2)."""
    n, H, aa = len(segs), p.resolution, p.antialias
    S = H * aa
    sub = lambda c: aa * c + (aa - 1) / 2.0          # pixel coordinate -> supersampled coordinate
    ink = np.zeros((n, S, S), dtype=bool)
    length = float(np.max(np.linalg.norm(segs[..., 1, :] - segs[..., 0, :], axis=-1), initial=0.0))
    P = max(2, int(math.ceil(2 * aa * length)) + 1)
    t = np.linspace(0.0, 1.0, P)
    a, b = sub(segs[..., 0, :]), sub(segs[..., 1, :])
    pts = a[..., None, :] + t[:, None] * (b - a)[..., None, :]                        # (n, S, P, 2)
    rad = max(0.0, (p.thickness * aa - 1) / 2.0)
    r = int(math.ceil(rad))
    dy, dx = np.mgrid[-r:r + 1, -r:r + 1]
    sel = np.hypot(dy, dx).ravel() <= rad + 1e-9
    offs = np.stack([dy.ravel()[sel], dx.ravel()[sel]], 1)
    q = np.rint(pts).astype(np.int64)[..., None, :] + offs                           # (n, S, P, O, 2)
    ok = valid[:, :, None, None] & (q >= 0).all(-1) & (q < S).all(-1)
    rows = np.broadcast_to(np.arange(n)[:, None, None, None], ok.shape)[ok]
    ink[rows, q[..., 0][ok], q[..., 1][ok]] = True
    cov = ink.reshape(n, H, aa, H, aa).mean((2, 4))
    img = np.minimum(1.0, cov / min(1.0, p.thickness))
    # markers: filled discs on the fine grid
    R = p.marker_radius * aa
    rr = int(math.ceil(R)) + 1
    dy, dx = np.mgrid[-rr:rr + 1, -rr:rr + 1]
    c = sub(markers)                                                                   # (n, M, 2)
    base = np.rint(c).astype(np.int64)
    q = base[:, :, None, :] + np.stack([dy.ravel(), dx.ravel()], 1)                    # (n, M, O, 2)
    inside = np.linalg.norm(q - c[:, :, None, :], axis=-1) <= R
    ok = inside & (q >= 0).all(-1) & (q < S).all(-1)
    disc = np.zeros((n, S, S), dtype=bool)
    rows = np.broadcast_to(np.arange(n)[:, None, None], ok.shape)[ok]
    disc[rows, q[..., 0][ok], q[..., 1][ok]] = True
    img = np.maximum(img, disc.reshape(n, H, aa, H, aa).mean((2, 4)))
    return np.rint(255.0 * img).astype(np.uint8)


def _chunk(rng, p: PathfinderParams, labels, contour_length, distractor_length, n_distractors, n_angles):
    n = len(labels)
    margin = np.asarray(p.margins, dtype=np.float64)[rng.integers(0, len(p.margins), n)]
    geo = _Geo(p, margin)
    segs = np.zeros((n, 2, contour_length, 2, 2))
    occ = np.zeros((n, p.resolution, p.resolution), dtype=bool)
    todo = np.arange(n)
    work = n   # rows per round: images still without targets are tried several times at once
    for _ in range(_TARGET_ROUNDS):
        reps = max(1, min(16, -(-work // len(todo))))
        rows = np.repeat(todo, reps)
        ok, sg, oc = _targets(rng, geo, rows, contour_length, n_angles)
        first = np.argmax(ok.reshape(-1, reps), 1) + np.arange(len(todo)) * reps     # first success
        done = ok[first]
        segs[todo[done]], occ[todo[done]] = sg[first[done]], oc[first[done]]
        todo = todo[~done]
        if len(todo) == 0:
            break
    else:
        raise RuntimeError(f"generate_pathfinder: {len(todo)} of {n} images still without two target "
                           f"contours of {contour_length} paddles after {_TARGET_ROUNDS} rounds; the "
                           f"contour is too long for a {p.resolution}x{p.resolution} window with these "
                           f"parameters")
    if n_distractors > 0 and distractor_length > 0:
        dsegs, dvalid = _distractors(rng, geo, occ, n_distractors, distractor_length, n_angles)
    else:
        dsegs, dvalid = np.zeros((n, 0, max(distractor_length, 1), 2, 2)), np.zeros((n, 0), dtype=bool)
    origin = rng.integers(0, 2, n)                          # the snake whose start carries a marker
    end = np.where(labels == 1, origin, 1 - origin)         # the snake whose far end carries the other
    r = np.arange(n)
    markers = np.stack([segs[r, origin, 0, 0], segs[r, end, -1, 1]], 1)               # (n, 2, 2)
    all_segs = np.concatenate([segs.reshape(n, -1, 2, 2), dsegs.reshape(n, -1, 2, 2)], 1)
    all_valid = np.concatenate([np.ones((n, 2 * contour_length), dtype=bool),
                                np.repeat(dvalid, dsegs.shape[2], axis=1)], 1)
    images = _render(p, all_segs, all_valid, markers)
    info = {"markers": markers, "origin_snake": origin, "end_snake": end, "contours": segs,
            "distractors": dsegs, "distractor_valid": dvalid}
    return images, info


def generate_pathfinder(n: int, seed: int = 0, resolution: int = 32, contour_length: int = 14,
                        n_distractors: Optional[int] = None, distractor_length: Optional[int] = None,
                        params: Optional[PathfinderParams] = None, n_angles: int = 12, chunk: int = 512,
                        return_info: bool = False):
    r"""`n` Pathfinder-style images and labels (see the module docstring), seeded and deterministic.

    Returns ``images`` uint8 (n, resolution, resolution) (0 background, 255 ink) and ``labels`` int64 (n,)
    with exactly ``n // 2`` ones (the rest zeros) in a seeded random order; label 1: the two markers sit
    on the two ends of one contour. `contour_length` in paddles (LRA: 6 easy / curv_baseline,
    9 intermediate, 14 hard); `distractor_length` default ``contour_length // 3``, `n_distractors`
    default ``params.distractor_ink // distractor_length`` (LRA 32x32: 20 // ..). `params` default
    ``pathfinder_params(resolution)``. Images are drawn in chunks of `chunk` (memory); the same
    arguments give the same images. With ``return_info=True`` a third value, a dict of numpy arrays:
    ``markers`` (n, 2, 2) centres (y, x) of the start and end markers, ``origin_snake``/``end_snake`` (n,)
    which target contour (0/1) carries each marker, ``contours`` (n, 2, contour_length, 2, 2) the target
    paddles as (start, end) points in drawing order, ``distractors`` (n, D, distractor_length, 2, 2) and
    ``distractor_valid`` (n, D).
    """
    resolution = check_int("resolution", resolution, low=16)
    if params is not None and not isinstance(params, PathfinderParams):
        raise ArgumentTypeError(f"params must be a PathfinderParams (see pathfinder_params), got "
                                f"{type(params).__name__}")
    p = (params or pathfinder_params(resolution)).validate()
    if params is not None and p.resolution != resolution:
        raise ValueError(f"params.resolution={p.resolution} differs from resolution={resolution}")
    n, contour_length = check_int("n", n, low=0), check_int("contour_length", contour_length, low=1)
    n_angles, chunk, seed = check_int("n_angles", n_angles, low=2), check_int("chunk", chunk, low=1), \
        check_seed(seed)
    distractor_length = max(1, contour_length // 3) if distractor_length is None else \
        check_int("distractor_length", distractor_length, low=0)
    n_distractors = (p.distractor_ink // distractor_length if distractor_length else 0) if n_distractors is None \
        else check_int("n_distractors", n_distractors, low=0)
    rng = np.random.default_rng(seed)
    labels = np.zeros(n, dtype=np.int64)
    labels[: n // 2] = 1
    labels = rng.permutation(labels)
    images = np.zeros((n, p.resolution, p.resolution), dtype=np.uint8)
    infos = []
    for c0 in range(0, n, chunk):
        lab = labels[c0:c0 + chunk]
        images[c0:c0 + len(lab)], info = _chunk(rng, p, lab, contour_length, distractor_length,
                                                n_distractors, n_angles)
        if return_info:
            infos.append(info)
    if not return_info:
        return images, labels
    keys = ("markers", "origin_snake", "end_snake", "contours", "distractors", "distractor_valid")
    if infos:
        merged = {k: np.concatenate([i[k] for i in infos]) for k in keys}
    else:
        merged = {"markers": np.zeros((0, 2, 2)), "origin_snake": np.zeros(0, np.int64),
                  "end_snake": np.zeros(0, np.int64), "contours": np.zeros((0, 2, contour_length, 2, 2)),
                  "distractors": np.zeros((0, n_distractors, distractor_length, 2, 2)),
                  "distractor_valid": np.zeros((0, n_distractors), bool)}
    return images, labels, merged


class PathfinderGenerated(Dataset):
    """Generated Pathfinder images as a Dataset: ``x`` float32 (H*W, 1) in [0, 1] (row-major),
    ``y`` int64. `images` uint8 (n, H, W) (or float in [0, 1]), `labels` (n,) in {0, 1}."""

    n_classes = 2
    vocab_size = None

    def __init__(self, images, labels):
        images = np.asarray(images)
        labels = np.asarray(labels)
        if images.ndim != 3 or images.shape[1] != images.shape[2]:
            raise ValueError(f"images must be (n, H, H), got shape {images.shape}")
        if labels.shape != (len(images),):
            raise ValueError(f"labels must be ({len(images)},), got shape {labels.shape}")
        if len(labels) and not np.isin(labels, (0, 1)).all():
            raise ValueError("labels must be 0 or 1")
        if images.dtype == np.uint8:
            x = torch.from_numpy(images.astype(np.float32) / 255.0)
        else:
            if images.dtype.kind != "f":
                raise ValueError(f"images must be uint8 or floating point in [0, 1], got dtype {images.dtype}")
            x = torch.as_tensor(images, dtype=torch.float32)
            if len(x) and not bool(((x >= 0) & (x <= 1)).all()):  # NaN fails both comparisons
                raise ValueError("float images must lie in [0, 1] (no NaN or Inf)")
        self.resolution = images.shape[1]
        self.seq_len = self.resolution ** 2
        self.x = x.reshape(len(x), self.seq_len, 1)
        self.y = torch.as_tensor(labels, dtype=torch.int64)

    @classmethod
    def generate(cls, n: int, seed: int = 0, **kwargs) -> "PathfinderGenerated":
        """`generate_pathfinder(n, seed, **kwargs)` as a Dataset."""
        images, labels = generate_pathfinder(n, seed, **kwargs)
        return cls(images, labels)

    def __len__(self) -> int:
        return len(self.y)

    def __getitem__(self, i):
        return self.x[i], self.y[i]


def make_pathfinder_release(root: Union[str, os.PathLike], n: int, seed: int = 0, resolution: int = 32,
                            difficulty: str = "hard", per_folder: int = 1000, first_folder: int = 0,
                            **kwargs) -> str:
    """Generate `n` images (`generate_pathfinder`, contour length of `difficulty`: easy 6, intermediate 9,
    hard 14; `kwargs` passed on) and write them in the official release layout with
    `fssm.data.lra.pathfinder.write_pathfinder_layout` (ROOT/pathfinderR/DIFFICULTY/{metadata, imgs}),
    which `fssm.data.lra.Pathfinder(root, resolution, difficulty)` reads. The metadata's informational
    fields carry this generator's parameters (the first margin where a preset has several). Returns the
    difficulty folder. Resumable: after an interruption the same call regenerates the same images (same
    seed) and writes only the folders not finished (see `write_pathfinder_layout`)."""
    from .pathfinder import CONTOUR_LENGTHS, _difficulty_folder, write_pathfinder_layout

    root = check_path("root", root)
    folder = _difficulty_folder(difficulty)
    contour = CONTOUR_LENGTHS[folder]
    p = kwargs.pop("params", None) or pathfinder_params(resolution)
    images, labels = generate_pathfinder(n, seed, resolution=resolution, contour_length=contour, params=p,
                                         **kwargs)
    fields = {"continuity": p.continuity, "contour_length": contour,
              "distractor_length": kwargs.get("distractor_length") or max(1, contour // 3),
              "paddle_length": p.paddle_length, "paddle_thickness": p.thickness, "paddle_margin": p.margins[0],
              "n_paddle_contrasts": 1}
    return write_pathfinder_layout(str(root), resolution, folder, images, labels, per_folder=per_folder,
                                   first_folder=first_folder, params=fields)
