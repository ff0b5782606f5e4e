"""Writing images: one place for the colour order, the encoder and its errors."""
from typing import Optional

import cv2
import numpy as np


def write_image(path: str, image: np.ndarray, jpeg_quality: Optional[int] = None) -> None:
    """Write an image, encoded by the extension of ``path`` (``.png``, ``.jpg``, ...).

    Args:
        path (str): output file; its folder must exist.
        image (np.ndarray): (H, W, 3) uint8 RGB, or (H, W) uint8 gray / mask.
        jpeg_quality (int, optional): JPEG quality (OpenCV's default 95 when None).

    Raises:
        OSError: the image cannot be encoded or written.
    """
    ext = '.' + path.rsplit('.', 1)[-1].lower() if '.' in path else ''
    if image.ndim == 3:
        image = cv2.cvtColor(image, cv2.COLOR_RGB2BGR)
    params = [cv2.IMWRITE_JPEG_QUALITY, jpeg_quality] \
        if jpeg_quality is not None and ext in ('.jpg', '.jpeg') else []
    try:
        ok, buffer = cv2.imencode(ext, image, params)
    except cv2.error:
        ok = False
    if not ok:
        raise OSError(f'cannot encode {path} (extension {ext!r})')
    buffer.tofile(path)


def write_rgb_png(path: str, rgb: np.ndarray) -> None:
    """Write an (H, W, 3) uint8 RGB array as PNG, raising ``OSError`` when it fails."""
    write_image(path, rgb)
