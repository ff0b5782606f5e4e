"""Readers for every file of a try-on sample, with errors that name the file.

The loading transforms and the dataset checker use the same readers, so a file the
checker accepts is a file the dataloader can read, and a bad file fails with
``DataFileError: <path>: <reason>`` instead of an obscure OpenCV traceback in a worker.
"""
import io
import json
from typing import Optional

import cv2
import numpy as np
from PIL import Image

from .labels import NUM_DENSEPOSE_CLASSES, NUM_KEYPOINTS

#: Number of values per keypoint in OpenPose JSON (x, y, confidence).
KEYPOINT_FIELDS = 3
#: JSON keys that may hold the body keypoints (old and new OpenPose output).
POSE_JSON_KEYS = ('pose_keypoints', 'pose_keypoints_2d')
_JPEG_START = b'\xff\xd8'
_JPEG_END = b'\xff\xd9'
_UINT16_TO_UINT8 = 257.0
_WHITE = 255.0


class DataFileError(ValueError):
    """A data file that is missing or cannot be read; ``path`` and ``reason`` name it.

    ``DataFileError(message)`` with one argument is also accepted, so that the
    DataLoader can re-raise it in the main process with the worker's traceback text.
    """

    def __init__(self, path: str, reason: Optional[str] = None) -> None:
        super().__init__(path if reason is None else f'{path}: {reason}')
        self.path = path
        self.reason = reason


class MissingDataFileError(DataFileError, FileNotFoundError):
    """A data file that does not exist."""


def _read_bytes(path: str) -> np.ndarray:
    try:
        data = np.fromfile(path, dtype=np.uint8)
    except FileNotFoundError:
        raise MissingDataFileError(path, 'file not found') from None
    except (IsADirectoryError, PermissionError, OSError) as err:
        raise DataFileError(path, f'cannot read file ({err})') from None
    if data.size == 0:
        raise DataFileError(path, 'empty file')
    return data


def check_jpeg_complete(path: str, data: np.ndarray) -> None:
    """Raise if a JPEG is truncated (OpenCV decodes those with a grey fill and a warning).

    A JPEG ends with the EOI marker; only when that is missing is the slower full
    decode by PIL used to tell a truncated file from one with trailing bytes.
    """
    raw = data.tobytes()
    if not raw.startswith(_JPEG_START) or raw.rstrip(b'\x00').endswith(_JPEG_END):
        return
    try:
        with Image.open(io.BytesIO(raw)) as img:
            img.load()
    except (OSError, SyntaxError, ValueError) as err:
        raise DataFileError(path, f'truncated or corrupt JPEG ({err})') from None


def _decode(path: str) -> np.ndarray:
    data = _read_bytes(path)
    image = cv2.imdecode(data, cv2.IMREAD_UNCHANGED)
    if image is None:
        raise DataFileError(path, 'cannot decode image (not an image, or corrupt)')
    check_jpeg_complete(path, data)
    if image.dtype == np.uint16:
        image = np.round(image.astype(np.float32) / _UINT16_TO_UINT8).astype(np.uint8)
    elif image.dtype != np.uint8:
        raise DataFileError(path, f'unsupported pixel type {image.dtype} (expected 8 or 16 bit)')
    return image


def read_image(path: str) -> np.ndarray:
    """Read an image as RGB.

    Grey images are replicated to 3 channels, 16-bit images scaled to 8 bit, and RGBA
    images composited over white (the product-photo background).

    Returns:
        ndarray: (H, W, 3) uint8 RGB.
    """
    image = _decode(path)
    if image.ndim == 2:
        return np.repeat(image[:, :, None], 3, axis=2)
    channels = image.shape[2]
    if channels == 1:
        return np.repeat(image, 3, axis=2)
    if channels == 3:
        return cv2.cvtColor(image, cv2.COLOR_BGR2RGB)
    if channels == 4:
        alpha = image[:, :, 3:].astype(np.float32) / _WHITE
        rgb = cv2.cvtColor(image[:, :, :3], cv2.COLOR_BGR2RGB).astype(np.float32)
        return np.round(rgb * alpha + _WHITE * (1.0 - alpha)).astype(np.uint8)
    raise DataFileError(path, f'unsupported number of channels {channels}')


def read_gray(path: str) -> np.ndarray:
    """Read a mask as one grey channel; RGBA masks are weighted by their alpha.

    Returns:
        ndarray: (H, W) uint8 in [0, 255].
    """
    image = _decode(path)
    if image.ndim == 2:
        return image
    channels = image.shape[2]
    if channels == 1:
        return image[:, :, 0]
    if channels == 3:
        return cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    if channels == 4:
        gray = cv2.cvtColor(image[:, :, :3], cv2.COLOR_BGR2GRAY).astype(np.float32)
        return np.round(gray * image[:, :, 3] / _WHITE).astype(np.uint8)
    raise DataFileError(path, f'unsupported number of channels {channels}')


def read_label_map(path: str, num_classes: int = 256) -> np.ndarray:
    """Read a label map (PNG of ids, grey or palette) as class ids.

    Palette PNGs give their palette indices; RGB files are accepted only when the
    three channels are equal (ids stored as grey), since colour-coded maps are
    ambiguous.

    Returns:
        ndarray: (H, W) uint8 ids, all ``< num_classes``.
    """
    _read_bytes(path)
    try:
        with Image.open(path) as img:
            img.load()
            mode = img.mode
            ids = np.array(img)
    except (OSError, SyntaxError, ValueError) as err:
        raise DataFileError(path, f'cannot decode label map ({err})') from None
    if ids.ndim == 3:
        if mode not in ('RGB', 'RGBA') or not (
                np.array_equal(ids[..., 0], ids[..., 1])
                and np.array_equal(ids[..., 0], ids[..., 2])):
            raise DataFileError(path, f'label map must store ids in one channel, got mode '
                                f'{mode} with different channels (colour-coded?)')
        ids = ids[..., 0]
    if ids.dtype == bool:
        ids = ids.astype(np.uint8)
    if ids.size and (ids.min() < 0 or ids.max() >= num_classes):
        bad = sorted(int(v) for v in np.unique(ids) if v < 0 or v >= num_classes)
        raise DataFileError(path, f'label ids {bad[:10]} outside [0, {num_classes - 1}]')
    return ids.astype(np.uint8)


def _flat_keypoints(path: str, person: dict) -> np.ndarray:
    for key in POSE_JSON_KEYS:
        if key in person:
            values = person[key]
            break
    else:
        raise DataFileError(path, f'person entry has none of the keys {POSE_JSON_KEYS}')
    flat = np.asarray(values, dtype=np.float64).reshape(-1) if values else np.zeros(0)
    return flat


def read_pose_keypoints(path: str, num_keypoints: int = NUM_KEYPOINTS) -> np.ndarray:
    """Read OpenPose JSON body keypoints of the first person.

    Accepts the ``pose_keypoints`` (old, VITON) and ``pose_keypoints_2d`` keys. A file
    with no person gives all zeros (every keypoint absent).

    Returns:
        ndarray: (num_keypoints, 3) float32 rows of (x, y, confidence) in pixels.
    """
    data = _read_bytes(path)
    try:
        content = json.loads(data.tobytes().decode('utf-8'))
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise DataFileError(path, f'invalid JSON ({err})') from None
    people = content.get('people') if isinstance(content, dict) else None
    if not isinstance(people, list):
        raise DataFileError(path, "no 'people' list in the pose JSON")
    keypoints = np.zeros((num_keypoints, KEYPOINT_FIELDS), dtype=np.float32)
    if not people:
        return keypoints
    if not isinstance(people[0], dict):
        raise DataFileError(path, "'people' entries must be objects")
    try:
        flat = _flat_keypoints(path, people[0])
    except (TypeError, ValueError) as err:
        raise DataFileError(path, f'keypoints are not numbers ({err})') from None
    if flat.size == 0:
        return keypoints
    if flat.size != num_keypoints * KEYPOINT_FIELDS:
        raise DataFileError(path, f'expected {num_keypoints} x {KEYPOINT_FIELDS} = '
                            f'{num_keypoints * KEYPOINT_FIELDS} keypoint values, got {flat.size}')
    if not np.all(np.isfinite(flat)):
        raise DataFileError(path, 'keypoints contain NaN or infinity')
    return flat.reshape(num_keypoints, KEYPOINT_FIELDS).astype(np.float32)


def read_densepose(path: str, num_classes: int = NUM_DENSEPOSE_CLASSES) -> np.ndarray:
    """Read a DensePose part-index map stored as ``.npy`` (H, W), (1, H, W) or (H, W, 1).

    Float maps are accepted when they hold whole numbers (upstream stores float32).

    Returns:
        ndarray: (H, W) uint8 part ids in [0, num_classes - 1].
    """
    _read_bytes(path)
    try:
        ids = np.load(path, allow_pickle=False)
    except (OSError, ValueError, EOFError) as err:
        raise DataFileError(path, f'cannot load .npy ({err})') from None
    if ids.ndim == 3 and 1 in (ids.shape[0], ids.shape[2]):
        ids = ids.reshape(ids.shape[1:] if ids.shape[0] == 1 else ids.shape[:2])
    if ids.ndim != 2:
        raise DataFileError(path, f'expected an (H, W) part-index map, got shape {ids.shape}')
    if not (np.issubdtype(ids.dtype, np.integer) or np.issubdtype(ids.dtype, np.floating)):
        raise DataFileError(path, f'unsupported dtype {ids.dtype}')
    if np.issubdtype(ids.dtype, np.floating):
        if not np.all(np.isfinite(ids)) or not np.array_equal(ids, np.round(ids)):
            raise DataFileError(path, 'part ids must be whole numbers')
    if ids.size and (ids.min() < 0 or ids.max() >= num_classes):
        raise DataFileError(path, f'part ids in [{ids.min()}, {ids.max()}] outside '
                            f'[0, {num_classes - 1}]')
    return ids.astype(np.uint8)
