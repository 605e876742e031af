"""A small, fast PNG encoder for RGB arrays (no Qt, no Pillow).

Qt's own PNG writer offers either slow compression or none at all; a 64-agent,
1024-row screenshot is 8 million pixels, and zlib at level 1 gets it to about
a third of its raw size in a fraction of the time.
"""

from __future__ import annotations

import os
import struct
import zlib
from concurrent.futures import ThreadPoolExecutor

import numpy as np

_PARALLEL_BYTES = 4 * 2**20  # below this, one thread is quicker than splitting

_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def encode_png(rgb: np.ndarray, text: dict[str, str] | None = None, level: int = 1) -> bytes:
    """PNG bytes for an ``(height, width, 3)`` uint8 array, with optional ``tEXt`` entries."""
    if rgb.ndim != 3 or rgb.shape[2] != 3 or rgb.dtype != np.uint8:
        raise ValueError(f"expected an (H, W, 3) uint8 array, got {rgb.shape} {rgb.dtype}")
    height, width, _ = rgb.shape
    rows = np.empty((height, 1 + 3 * width), np.uint8)
    rows[:, 0] = 0  # filter type 0 (none) on every row
    rows[:, 1:] = rgb.reshape(height, 3 * width)
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8-bit RGB
    parts = [_SIGNATURE, _chunk(b"IHDR", header)]
    for key, value in (text or {}).items():
        parts.append(_chunk(b"tEXt", key.encode("latin-1", "replace") + b"\x00" + value.encode("latin-1", "replace")))
    parts.append(_chunk(b"IDAT", _deflate(rows.reshape(-1), level)))
    parts.append(_chunk(b"IEND", b""))
    return b"".join(parts)


def _deflate(raw: np.ndarray, level: int) -> bytes:
    """One zlib stream of ``raw``; large inputs are compressed in pieces on all cores.

    Each piece is raw deflate ended with a sync flush, so the pieces join into
    one valid stream; the zlib header and the Adler-32 of the whole are added
    around them.  zlib releases the GIL while it works, so threads run in parallel.
    """
    data = memoryview(raw)
    workers = min(8, os.cpu_count() or 1)
    if len(data) < _PARALLEL_BYTES or workers < 2:
        return zlib.compress(data, level)
    size = -(-len(data) // workers)
    pieces = [data[i : i + size] for i in range(0, len(data), size)]

    def squeeze(index: int) -> bytes:
        packer = zlib.compressobj(level, zlib.DEFLATED, -15)
        last = index == len(pieces) - 1
        return packer.compress(pieces[index]) + packer.flush(zlib.Z_FINISH if last else zlib.Z_SYNC_FLUSH)

    with ThreadPoolExecutor(workers) as pool:
        body = b"".join(pool.map(squeeze, range(len(pieces))))
    return b"\x78\x01" + body + struct.pack(">I", zlib.adler32(data) & 0xFFFFFFFF)
