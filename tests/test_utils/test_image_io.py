"""Writing images: RGB order on disk, JPEG quality, and a clear error."""
import cv2
import numpy as np
import pytest

from vtonbox.utils.image_io import write_image, write_rgb_png


def test_png_keeps_rgb_order_and_masks(tmp_path):
    rgb = np.zeros((4, 6, 3), np.uint8)
    rgb[..., 0] = 200  # red
    write_rgb_png(str(tmp_path / 'a.png'), rgb)
    bgr = cv2.imread(str(tmp_path / 'a.png'))
    assert bgr[0, 0].tolist() == [0, 0, 200]
    mask = np.full((4, 6), 255, np.uint8)
    write_image(str(tmp_path / 'm.png'), mask)
    assert cv2.imread(str(tmp_path / 'm.png'), cv2.IMREAD_UNCHANGED).shape == (4, 6)


def test_jpeg_quality_is_applied(tmp_path):
    noise = np.random.default_rng(0).integers(0, 256, (64, 64, 3), dtype=np.uint8)
    write_image(str(tmp_path / 'low.jpg'), noise, jpeg_quality=10)
    write_image(str(tmp_path / 'high.jpg'), noise, jpeg_quality=95)
    assert (tmp_path / 'low.jpg').stat().st_size < (tmp_path / 'high.jpg').stat().st_size


def test_unknown_extension_raises(tmp_path):
    with pytest.raises(OSError, match='cannot encode'):
        write_image(str(tmp_path / 'a.unknown'), np.zeros((4, 4, 3), np.uint8))
