"""Long-Range Arena (Tay et al., 2021): the six tasks as torch Datasets, readers of the official formats,
and generators of ListOps and Pathfinder so that those tasks run offline. See `common` for the item
convention every dataset follows."""
from .common import BYTE_VOCAB, PAD, MalformedRecordError, encode_bytes, pad_tokens

__all__ = ["BYTE_VOCAB", "PAD", "MalformedRecordError", "encode_bytes", "pad_tokens"]
