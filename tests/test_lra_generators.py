"""Generators of the offline LRA tasks: ListOps (generator, evaluator, TSV) and Pathfinder images."""
import numpy as np
import pytest
import torch
from scipy import ndimage

from fssm.data.lra.common import MalformedRecordError
from fssm.data.lra.listops import (LISTOPS_TOKENS, ListOps, evaluate_listops, generate_listops, listops_decode,
                                   listops_encode, listops_tokenize, make_listops_splits, read_listops_tsv,
                                   write_listops_tsv)
from fssm.data.lra.pathfinder import Pathfinder
from fssm.data.lra.pathfinder_gen import (PathfinderGenerated, generate_pathfinder, make_pathfinder_release,
                                          pathfinder_params)


# ------------------------------------------------------------------------------------------ ListOps
@pytest.mark.parametrize("expr, value", [
    ("[MAX 2 9 ]", 9),
    ("[MIN 4 7 ]", 4),
    ("[MED 1 8 3 ]", 3),
    ("[MED 1 2 ]", 1),            # (1 + 2) / 2 = 1.5 -> 1
    ("[MED 3 8 1 9 ]", 5),        # middle values 3, 8 -> 5.5 -> 5
    ("[SM 9 8 7 ]", 4),           # 24 mod 10
    ("[SM [MED 2 [SM 5 6 ] 9 ] 7 [MIN 3 4 ] ]", 2),   # [SM 5 6]=1, [MED 2 1 9]=2, [MIN 3 4]=3 -> 12 mod 10
    ("[MAX [MED 0 9 ] [MIN 4 7 ] 0 ]", 4),             # [MED 0 9]=4 (4.5 floored), [MIN 4 7]=4
    ("( ( ( [MAX 2 ) 9 ) ] )", 9),                      # the release's parenthesised form
    ("7", 7),
])
def test_listops_evaluator_hand_worked(expr, value):
    assert evaluate_listops(expr) == value


@pytest.mark.parametrize("bad", ["[MAX 2 9", "[MIN ]", "2 3", "]", "[FOO 1 2 ]"])
def test_listops_evaluator_rejects_malformed(bad):
    with pytest.raises(ValueError):
        evaluate_listops(bad)


def test_listops_generator_window_labels_and_format():
    recs = generate_listops(200, seed=3, min_length=30, max_length=200)
    assert len(recs) == 200 and len({s for s, _ in recs}) == 200                    # deduplicated
    for source, label in recs:
        tokens = listops_tokenize(source)
        assert 30 < len(tokens) < 200
        assert label == evaluate_listops(source) and 0 <= label <= 9
        assert source.count("(") == source.count(")")                             # release format
        assert set(tokens) <= set(LISTOPS_TOKENS[1:])
    # parentheses as the LRA to_string writes them: one pair per argument plus one per operator
    s = recs[0][0]
    n_ops = sum(t.startswith("[") for t in listops_tokenize(s))
    n_args = len(listops_tokenize(s)) - 2 * n_ops + (n_ops - 1)                   # leaves + inner operators
    assert s.count("(") == n_args + n_ops
    assert len({y for _, y in recs}) >= 8


def test_listops_generator_deterministic_and_seed_dependent():
    a = generate_listops(50, seed=1, min_length=20, max_length=100)
    assert a == generate_listops(50, seed=1, min_length=20, max_length=100)
    assert a != generate_listops(50, seed=2, min_length=20, max_length=100)


def test_listops_generator_dedups_small_space():
    # only length-4 trees ([OP d d ]): 4 * 100 distinct sources
    recs = generate_listops(300, seed=0, min_length=3, max_length=5)
    assert len({s for s, _ in recs}) == 300
    assert all(len(listops_tokenize(s)) == 4 for s, _ in recs)
    with pytest.raises(RuntimeError, match="distinct"):
        generate_listops(401, seed=0, min_length=3, max_length=5, max_tries=200_000)


@pytest.mark.parametrize("kwargs", [dict(min_length=10, max_length=11), dict(min_length=1, max_length=4),
                                    dict(min_length=50, max_length=60, max_depth=2, max_args=10)])
def test_listops_unreachable_window_is_a_clear_error(kwargs):
    with pytest.raises(ValueError, match="no ListOps length"):
        generate_listops(5, seed=0, **kwargs)


def test_listops_tsv_round_trip_and_dataset(tmp_path):
    paths = make_listops_splits(tmp_path, n_train=40, n_val=10, n_test=10, seed=5, min_length=20, max_length=90)
    assert sorted(p.name for p in paths.values()) == ["basic_test.tsv", "basic_train.tsv", "basic_val.tsv"]
    assert paths["train"].read_text().startswith("Source\tTarget")
    again = make_listops_splits(tmp_path / "b", n_train=40, n_val=10, n_test=10, seed=5, min_length=20,
                                max_length=90)
    assert all(paths[s].read_bytes() == again[s].read_bytes() for s in paths)        # same seed, same files
    sources = {s: [listops_decode(ids) for ids, _ in read_listops_tsv(p, verify=True)] for s, p in paths.items()}
    assert not (set(sources["train"]) & set(sources["val"]) or set(sources["train"]) & set(sources["test"])
                or set(sources["val"]) & set(sources["test"]))
    recs = generate_listops(60, seed=5, min_length=20, max_length=90)
    back = read_listops_tsv(paths["train"])
    assert [(listops_encode(s), y) for s, y in recs[:40]] == back
    ds = ListOps.from_dir(tmp_path, "val", seq_len=100)
    assert len(ds) == 10 and ds.vocab_size == 16 and ds.n_classes == 10 and ds.seq_len == 100
    x, y = ds[0]
    assert x.dtype == torch.int64 and x.shape == (100,) and y.dtype == torch.int64 and y.ndim == 0
    ids, label = read_listops_tsv(paths["val"])[0]
    assert x[:len(ids)].tolist() == ids and (x[len(ids):] == 0).all() and int(y) == label
    with pytest.raises(ValueError, match="basic_val.tsv, line"):
        ListOps(paths["val"], seq_len=20)
    assert ListOps(paths["val"], seq_len=20, truncate=True)[0][0].shape == (20,)
    gen = ListOps(recs, seq_len=128)
    assert len(gen) == 60 and gen[3][0][:5].tolist() == listops_encode(recs[3][0])[:5]


@pytest.mark.parametrize("content, line, reason", [
    ("Src\tTarget\n( [MAX 1 ) 2 ] )\t2\n", 1, "header"),
    ("Source\tTarget\n( ( ( [MAX 1 ) 2 ) ] )\t2\n( ( [MIN 1 ) 2 ] )\n", 3, "columns"),
    ("Source\tTarget\n( ( ( [MAX 1 ) 2 ) ] )\t2\n( ( ( [MIN 1 ) 2 ) ] )\t12\n", 3, "not a digit"),
    ("Source\tTarget\n( ( ( [MAX 1 ) 2 ) ] )\t2\n\n( ( ( [MAX 1 ) x ) ] )\t2\n", 4, "unknown token"),
])
def test_listops_malformed_lines_name_file_and_line(tmp_path, content, line, reason):
    path = tmp_path / "basic_train.tsv"
    path.write_text(content)
    with pytest.raises(MalformedRecordError, match=reason) as e:
        read_listops_tsv(path)
    assert e.value.line == line and e.value.path == str(path) and f"line {line}" in str(e.value)


def test_listops_verify_catches_wrong_target(tmp_path):
    path = write_listops_tsv(tmp_path / "t.tsv", [("( ( ( [MAX 1 ) 2 ) ] )", 2), ("( ( ( [MIN 1 ) 2 ) ] )", 2)])
    assert len(read_listops_tsv(path)) == 2
    with pytest.raises(MalformedRecordError, match="value is 1") as e:
        read_listops_tsv(path, verify=True)
    assert e.value.line == 3


# --------------------------------------------------------------------------------------- Pathfinder
@pytest.fixture(scope="module")
def pf32():
    return generate_pathfinder(64, seed=11, contour_length=6, return_info=True)


def test_pathfinder_deterministic_balanced_uint8(pf32):
    images, labels, _ = pf32
    again, labels2 = generate_pathfinder(64, seed=11, contour_length=6)
    assert np.array_equal(images, again) and np.array_equal(labels, labels2)
    other, _ = generate_pathfinder(64, seed=12, contour_length=6)
    assert not np.array_equal(images, other)
    assert images.dtype == np.uint8 and images.shape == (64, 32, 32) and images.max() == 255
    assert labels.dtype == np.int64 and labels.sum() == 32 and set(np.unique(labels)) == {0, 1}


def _blobs(image):
    """Marker-sized blobs: 2x2 blocks of bright pixels (a disc of radius 1.5 px holds one, a paddle about
    1 px wide does not), grouped 8-connected."""
    core = ndimage.binary_erosion(image >= 191, structure=np.ones((2, 2)), border_value=0)
    return ndimage.label(core, structure=np.ones((3, 3)))


def test_pathfinder_two_markers_at_the_contour_ends(pf32):
    images, labels, info = pf32
    for img, lab, mk, o, e, cont in zip(images, labels, info["markers"], info["origin_snake"],
                                        info["end_snake"], info["contours"]):
        blob, n = _blobs(img)
        assert n == 2
        at = {blob[int(c[0]) - 1:int(c[0]) + 2, int(c[1]) - 1:int(c[1]) + 2].max() for c in mk}
        assert at == {1, 2}                                        # one blob at each marker centre
        assert np.allclose(mk[0], cont[o, 0, 0]) and np.allclose(mk[1], cont[e, -1, 1])
        assert (o == e) == bool(lab)


def _near_contour(shape, segments, radius):
    """Pixels within `radius` of any segment (computed here, independently of the generator's drawing)."""
    yy, xx = np.mgrid[:shape[0], :shape[1]]
    p = np.stack([yy, xx], -1).reshape(-1, 1, 2).astype(float)
    a, b = segments[:, 0][None], segments[:, 1][None]
    t = np.clip(((p - a) * (b - a)).sum(-1) / np.maximum(((b - a) ** 2).sum(-1), 1e-12), 0, 1)
    d = np.linalg.norm(p - (a + t[..., None] * (b - a)), axis=-1).min(1)
    return (d <= radius).reshape(shape)


def _connected(binary, c0, c1, gap_px):
    if gap_px > 0:   # (scipy: iterations=0 would dilate until nothing changes)
        binary = ndimage.binary_dilation(binary, np.ones((3, 3)), iterations=gap_px)
    lab, _ = ndimage.label(binary, structure=np.ones((3, 3)))
    i0, i1 = lab[tuple(np.rint(c0).astype(int))], lab[tuple(np.rint(c1).astype(int))]
    return i0 != 0 and i0 == i1


def test_pathfinder_markers_connected_through_their_contour_only_for_positives(pf32):
    images, labels, info = pf32
    gap = 1                                         # dash gap 2 * margin = 2 px: 1 px dilation bridges it
    n_pos_full = n_dashed = 0
    for img, lab, mk, o, cont in zip(images, labels, info["markers"], info["origin_snake"], info["contours"]):
        ink = img > 0
        # the ink near the contour that starts at the first marker, plus the first marker's disc
        keep = _near_contour(img.shape, cont[o], 1.0) | (np.hypot(*(np.mgrid[:32, :32] - mk[0][:, None, None])) <= 2)
        restricted = ink & keep
        assert restricted[tuple(np.rint(mk[0]).astype(int))]
        assert _connected(restricted, mk[0], mk[1], gap) == bool(lab)
        if lab:
            n_pos_full += _connected(ink, mk[0], mk[1], gap)
            # without dilation the bright ink of the dashes is separate: the contour is dashed
            n_dashed += not _connected(restricted & (img >= 191), mk[0], mk[1], 0)
    assert n_pos_full == labels.sum()
    assert n_dashed >= 0.9 * labels.sum()


def test_pathfinder_dataset_and_128():
    ds = PathfinderGenerated.generate(8, seed=0, contour_length=6)
    x, y = ds[0]
    assert x.dtype == torch.float32 and x.shape == (1024, 1) and 0 <= x.min() and x.max() <= 1
    assert y.dtype == torch.int64 and ds.seq_len == 1024 and ds.n_classes == 2 and ds.vocab_size is None
    images, labels = generate_pathfinder(4, seed=0, resolution=128, contour_length=6)
    assert images.shape == (4, 128, 128) and images.dtype == np.uint8 and labels.sum() == 2
    big = PathfinderGenerated(images, labels)
    assert big.seq_len == 16384 and big[1][0].shape == (16384, 1)
    assert np.allclose(big[1][0].numpy().reshape(128, 128), images[1] / 255.0)     # row-major
    assert pathfinder_params(64).marker_radius == 2.5 and pathfinder_params(48).paddle_length == 3.0
    with pytest.raises(ValueError, match="continuity"):
        pathfinder_params(32, continuity=0.5)


def test_pathfinder_release_round_trip_through_the_reader(tmp_path):
    folder = make_pathfinder_release(tmp_path, 20, seed=4, resolution=32, difficulty="easy", per_folder=8)
    assert folder.endswith("curv_baseline")
    images, labels = generate_pathfinder(20, 4, resolution=32, contour_length=6)
    ds = Pathfinder(str(tmp_path), resolution=32, difficulty="easy", split="all")
    assert len(ds) == 20 and ds.seq_len == 1024
    got = sorted((tuple(np.rint(ds[i][0].numpy().ravel() * 255).astype(int)), int(ds[i][1])) for i in range(20))
    want = sorted((tuple(im.ravel().astype(int)), int(y)) for im, y in zip(images, labels))
    assert got == want
