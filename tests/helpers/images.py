"""Image files made for tests."""
import io
import struct
import zlib

import numpy as np
from PIL import Image


def write_png_header(path, width, height):
    """A small PNG whose header claims ``width`` x ``height`` (a decompression bomb)."""
    buffer = io.BytesIO()
    Image.fromarray(np.zeros((8, 8, 3), np.uint8)).save(buffer, 'PNG')
    data = bytearray(buffer.getvalue())
    assert data[12:16] == b'IHDR'
    data[16:24] = struct.pack('>II', width, height)
    data[29:33] = struct.pack('>I', zlib.crc32(bytes(data[12:29])))
    path.write_bytes(bytes(data))
