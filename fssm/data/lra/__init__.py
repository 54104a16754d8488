"""Long-Range Arena (Tay et al., 2021): the six tasks as torch Datasets, readers of the official formats,
and generators of ListOps and Pathfinder so that those tasks run offline. See `common` for the item
convention every dataset follows."""
from .common import BYTE_VOCAB, PAD, MalformedRecordError, encode_bytes, pad_tokens
from .listops import (LISTOPS_TOKENS, LISTOPS_VOCAB, ListOps, evaluate_listops, generate_listops,
                      listops_decode, listops_encode, make_listops_splits, read_listops_tsv, write_listops_tsv)
from .pathfinder_gen import (PathfinderGenerated, PathfinderParams, generate_pathfinder, make_pathfinder_release,
                             pathfinder_params)
from .image import CIFAR10Gray, download_cifar10, lra_grayscale
from .pathfinder import Pathfinder, read_pathfinder_metadata, write_pathfinder_layout
from .retrieval import AAN
from .text import IMDB, download_imdb

__all__ = ["BYTE_VOCAB", "PAD", "MalformedRecordError", "encode_bytes", "pad_tokens",
           "IMDB", "download_imdb", "AAN", "CIFAR10Gray", "download_cifar10", "lra_grayscale", "Pathfinder",
           "read_pathfinder_metadata", "write_pathfinder_layout",
           "ListOps", "LISTOPS_TOKENS", "LISTOPS_VOCAB", "evaluate_listops", "generate_listops", "listops_decode",
           "listops_encode", "make_listops_splits", "read_listops_tsv", "write_listops_tsv",
           "PathfinderGenerated", "PathfinderParams", "generate_pathfinder", "make_pathfinder_release",
           "pathfinder_params"]
