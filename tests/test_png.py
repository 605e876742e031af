"""The PNG encoder: what it writes decodes to the same pixels, small or large."""

from __future__ import annotations

import struct
import zlib

import numpy as np
import pytest

from hiddenscope.core.png import _PARALLEL_BYTES, encode_png


def decode(png: bytes) -> tuple[np.ndarray, dict[str, str]]:
    """A minimal reader for what encode_png writes (8-bit RGB, filter 0)."""
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, text = 8, b"", {}
    while pos < len(png):
        (length,) = struct.unpack(">I", png[pos : pos + 4])
        kind, data = png[pos + 4 : pos + 8], png[pos + 8 : pos + 8 + length]
        (crc,) = struct.unpack(">I", png[pos + 8 + length : pos + 12 + length])
        assert crc == zlib.crc32(kind + data) & 0xFFFFFFFF, f"bad CRC in {kind!r}"
        if kind == b"IHDR":
            width, height, depth, colour = struct.unpack(">IIBB", data[:10])
            assert (depth, colour) == (8, 2)
        elif kind == b"IDAT":
            idat += data
        elif kind == b"tEXt":
            key, value = data.split(b"\x00", 1)
            text[key.decode()] = value.decode()
        pos += 12 + length
    rows = np.frombuffer(zlib.decompress(idat), np.uint8).reshape(height, 1 + 3 * width)
    assert not rows[:, 0].any()
    return rows[:, 1:].reshape(height, width, 3), text


@pytest.mark.parametrize("shape", [(1, 1), (7, 13), (2100, 1000)])
def test_round_trip(shape):
    rng = np.random.default_rng(0)
    rgb = rng.integers(0, 256, (*shape, 3), dtype=np.uint8)
    if rgb.nbytes > _PARALLEL_BYTES:
        rgb[:, : shape[1] // 2] = 200  # compressible half, as a screenshot's background is
    pixels, text = decode(encode_png(rgb, {"Title": "t = 3"}))
    np.testing.assert_array_equal(pixels, rgb)
    assert text == {"Title": "t = 3"}


def test_refuses_what_is_not_rgb():
    with pytest.raises(ValueError, match="uint8"):
        encode_png(np.zeros((4, 4, 3), np.float32))
