"""Readers for every file of a try-on sample, with errors that name the file.

The loading transforms and the dataset checker use the same readers, so a file the
checker accepts is a file the dataloader can read, and a bad file fails with
``DataFileError: <path>: <reason>`` instead of an obscure OpenCV traceback in a worker.

``check_header`` is the cheap check the datasets run on every file at start-up: it
reads the first and last bytes only (empty files, files that are not images / JSON /
``.npy`` whatever their name says, truncated JPEG / PNG); the full decode stays in the
dataset checker (``tools/dataset/check_dataset.py``).
"""
import io
import json
import os
from typing import NamedTuple, Optional

import cv2
import numpy as np
from PIL import Image

from .labels import (
    BODY25_KEYPOINTS,
    BODY25_TO_OPENPOSE18,
    NUM_DENSEPOSE_CLASSES,
    NUM_KEYPOINTS,
    POSE_FORMATS,
)

#: Number of values per keypoint in OpenPose JSON (x, y, confidence).
KEYPOINT_FIELDS = 3
#: JSON keys that may hold the body keypoints (old and new OpenPose output).
POSE_JSON_KEYS = ('pose_keypoints', 'pose_keypoints_2d')
#: JSON key of the DressCode keypoints: a list of [x, y, ...] rows.
DRESSCODE_JSON_KEY = 'keypoints'
_JPEG_START = b'\xff\xd8'
_JPEG_END = b'\xff\xd9'
_PNG_SIGNATURE = b'\x89PNG\r\n\x1a\n'
#: The IEND chunk (type and CRC) that ends every PNG.
_PNG_END = b'IEND\xaeB`\x82'
_NPY_MAGIC = b'\x93NUMPY'
#: Sizes of the BMP info headers (core, v1-v5) that follow the 14-byte file header.
_BMP_INFO_SIZES = (12, 40, 52, 56, 64, 108, 124)
_UTF8_BOM = b'\xef\xbb\xbf'
#: Bytes ``check_header`` reads from the start of an image or ``.npy`` file.
HEADER_BYTES = 32
#: Bytes ``check_header`` reads from the start of a JSON file (leading white space).
JSON_HEADER_BYTES = 1024
#: Bytes ``check_header`` reads from the end of a JPEG / PNG (end marker + padding).
TAIL_BYTES = 64
#: File kinds of ``check_header``: images read by OpenCV (``read_image``,
#: ``read_gray``), label maps read by PIL (``read_label_map``), pose JSON, ``.npy``.
FILE_KINDS = ('image', 'label_map', 'json', 'npy')
#: How the dataset checker decodes a file: ``read_image``, ``read_gray`` (+ mask checks),
#: ``read_label_map`` (parsing ids), ``read_densepose``, ``read_image`` of a DensePose
#: rendering, or ``read_keypoints`` of a pose format.
DECODERS = ('image', 'mask', 'parsing', 'densepose', 'densepose_rgb', 'openpose18', 'body25',
            'dresscode')


class FileFormat(NamedTuple):
    """How one modality of a layout is stored: ``kind`` for ``check_header`` (one of
    ``FILE_KINDS``) and ``decoder`` for the full check (one of ``DECODERS``)."""
    kind: str
    decoder: str


#: Bytes of the start of a file quoted in an error.
_QUOTED_BYTES = 12
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


def image_format(head: bytes) -> Optional[str]:
    """Image format of a file from its first bytes (magic numbers).

    Args:
        head (bytes): the first ``HEADER_BYTES`` (at least 18) bytes of the file.

    Returns:
        str | None: ``'JPEG'``, ``'PNG'``, ``'BMP'`` or ``'WebP'``; None for anything else.
    """
    if head.startswith(b'\xff\xd8\xff'):
        return 'JPEG'
    if head.startswith(_PNG_SIGNATURE):
        return 'PNG'
    if head.startswith(b'BM') and int.from_bytes(head[14:18], 'little') in _BMP_INFO_SIZES:
        return 'BMP'
    if head.startswith(b'RIFF') and head[8:12] == b'WEBP':
        return 'WebP'
    return None


def _quote(head: bytes, text_hint: str = '') -> str:
    """The first bytes of a file for an error message, plus ``text_hint`` if it is text."""
    start = head[:_QUOTED_BYTES]
    try:
        text = start.decode('utf-8')
    except UnicodeDecodeError:
        return f'it starts with {start!r}'
    if text.isprintable():
        return f'it starts with the text {text!r}{text_hint}'
    return f'it starts with {start!r}'


def _not_an_image(head: bytes) -> str:
    return ('not a JPEG, PNG, BMP or WebP image: '
            + _quote(head, ' (a text file or an error page saved under an image name?)'))


def _read_bytes(path: str) -> np.ndarray:
    try:
        data = np.fromfile(path, dtype=np.uint8)
    except FileNotFoundError:
        raise MissingDataFileError(path, 'file not found') from None
    except (IsADirectoryError, PermissionError, OSError) as err:
        raise DataFileError(path, f'cannot read file ({err})') from None
    if data.size == 0:
        raise DataFileError(path, 'empty file (0 bytes)')
    return data


def _read_ends(path: str, head_bytes: int, tail_bytes: int):
    """(size, first ``head_bytes``, last ``tail_bytes``) of a file, naming it on errors."""
    try:
        with open(path, 'rb') as f:
            size = os.fstat(f.fileno()).st_size
            head = f.read(head_bytes)
            tail = b''
            if tail_bytes:
                f.seek(max(size - tail_bytes, 0))
                tail = f.read(tail_bytes)
    except FileNotFoundError:
        raise MissingDataFileError(path, 'file not found') from None
    except (IsADirectoryError, PermissionError, OSError) as err:
        raise DataFileError(path, f'cannot read file ({err})') from None
    if size == 0:
        raise DataFileError(path, 'empty file (0 bytes)')
    return size, head, tail


def _check_image_end(path: str, fmt: str, tail: bytes, kind: str) -> None:
    """Decode a JPEG / PNG fully only when its end marker is missing (truncated?),
    with the decoder its reader uses (PIL for label maps, OpenCV otherwise)."""
    if fmt == 'JPEG' and not tail.rstrip(b'\x00').endswith(_JPEG_END):
        check_jpeg_complete(path, _read_bytes(path))
    if fmt != 'PNG' or tail.endswith(_PNG_END):
        return
    data = _read_bytes(path)
    if kind == 'label_map':
        try:
            with Image.open(io.BytesIO(data.tobytes())) as img:
                img.load()
        except (OSError, SyntaxError, ValueError) as err:
            raise DataFileError(path, f'truncated or corrupt PNG ({err})') from None
    elif cv2.imdecode(data, cv2.IMREAD_UNCHANGED) is None:
        raise DataFileError(path, 'truncated or corrupt PNG (no IEND chunk at the end, and '
                            'it does not decode)')


def check_header(path: str, kind: str = 'image') -> None:
    """Cheap start-up check of one data file: it exists, is not empty, and its first
    bytes (and, for JPEG / PNG, its last bytes) are those of a ``kind`` file.

    Only a JPEG without its end marker or a PNG without its IEND chunk (a truncated
    download) is decoded, to tell truncation from trailing bytes.

    Args:
        path (str): the file.
        kind (str): one of ``FILE_KINDS``: ``'image'`` and ``'label_map'`` accept JPEG,
            PNG, BMP and WebP (whatever the extension says), ``'json'`` a JSON object,
            ``'npy'`` a NumPy ``.npy`` file.

    Raises:
        MissingDataFileError: the file does not exist.
        DataFileError: the file is empty, unreadable or not a ``kind`` file.
    """
    if kind not in FILE_KINDS:
        raise ValueError(f'kind must be one of {FILE_KINDS}, got {kind!r}')
    if kind == 'json':
        _, head, _ = _read_ends(path, JSON_HEADER_BYTES, 0)
        text = head[len(_UTF8_BOM):] if head.startswith(_UTF8_BOM) else head
        if not text.lstrip(b' \t\r\n').startswith(b'{'):
            raise DataFileError(path, f'not a JSON object: {_quote(head)}')
        return
    if kind == 'npy':
        _, head, _ = _read_ends(path, HEADER_BYTES, 0)
        if not head.startswith(_NPY_MAGIC):
            raise DataFileError(path, f'not a NumPy .npy file: {_quote(head)}')
        return
    size, head, tail = _read_ends(path, HEADER_BYTES, TAIL_BYTES)
    fmt = image_format(head)
    if fmt is None:
        raise DataFileError(path, _not_an_image(head))
    if fmt == 'PNG' and head[12:16] != b'IHDR':
        raise DataFileError(path, 'corrupt PNG: no IHDR chunk after the PNG signature')
    # BMP and WebP (RIFF) headers store the file size.
    declared = {'BMP': int.from_bytes(head[2:6], 'little'),
                'WebP': int.from_bytes(head[4:8], 'little') + 8}.get(fmt, 0)
    if declared > size:
        raise DataFileError(path, f'truncated {fmt}: {size} bytes, its header says {declared}')
    _check_image_end(path, fmt, tail, kind)


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


def _read_json(path: str):
    data = _read_bytes(path)
    try:
        return json.loads(data.tobytes().decode('utf-8'))
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise DataFileError(path, f'invalid JSON ({err})') from None


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
    content = _read_json(path)
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
    """Read a DensePose part-index map: ``.npy`` (H, W), (1, H, W) or (H, W, 1) (VITON),
    or a PNG of part ids (DressCode ``dense/*_5.png``), told apart by their first bytes.

    Float ``.npy`` maps are accepted when they hold whole numbers (upstream stores float32).

    Returns:
        ndarray: (H, W) uint8 part ids in [0, num_classes - 1].
    """
    data = _read_bytes(path)
    if not data[:len(_NPY_MAGIC)].tobytes() == _NPY_MAGIC:
        return read_label_map(path, num_classes)
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


def read_dresscode_keypoints(path: str, num_keypoints: int = NUM_KEYPOINTS) -> np.ndarray:
    """Read DressCode keypoints: ``{"keypoints": [[x, y, ...] x 18]}``, OpenPose-18 order.

    Only x and y are used (the other fields are not documented); a keypoint is present
    when x > 1 and y > 1 (the pose-map rule), and gets confidence 1.

    Returns:
        ndarray: (num_keypoints, 3) float32 (x, y, confidence) in the file's frame
        (384 x 512 for DressCode: scale to the image, see ``LoadPoseKeypoints``);
        absent keypoints are (0, 0, 0).
    """
    content = _read_json(path)
    rows = content.get(DRESSCODE_JSON_KEY) if isinstance(content, dict) else None
    if not isinstance(rows, list):
        raise DataFileError(path, f"no {DRESSCODE_JSON_KEY!r} list in the keypoint JSON")
    if len(rows) != num_keypoints:
        raise DataFileError(path, f'expected {num_keypoints} keypoints, got {len(rows)}')
    try:
        xy = np.array([row[:2] for row in rows], dtype=np.float64)
    except (TypeError, ValueError, IndexError) as err:
        raise DataFileError(path, f'keypoints must be [x, y, ...] rows of numbers ({err})') \
            from None
    if xy.shape != (num_keypoints, 2):
        raise DataFileError(path, f'keypoints must be [x, y, ...] rows, got shape {xy.shape}')
    if not np.all(np.isfinite(xy)):
        raise DataFileError(path, 'keypoints contain NaN or infinity')
    keypoints = np.zeros((num_keypoints, KEYPOINT_FIELDS), dtype=np.float32)
    present = (xy[:, 0] > 1) & (xy[:, 1] > 1)
    keypoints[present, :2] = xy[present]
    keypoints[present, 2] = 1.0
    return keypoints


def read_keypoints(path: str, pose_format: str = 'openpose18') -> np.ndarray:
    """Read the 18 OpenPose (COCO-18 order) keypoints from any supported file.

    Args:
        path (str): the keypoint JSON.
        pose_format (str): ``'openpose18'`` (VITON, 18 keypoints), ``'body25'`` (OpenPose
            BODY_25, VITON-HD: the 18 are picked by joint name) or ``'dresscode'``
            (``read_dresscode_keypoints``, coordinates in DressCode's 384 x 512 frame).

    Returns:
        ndarray: (18, 3) float32 (x, y, confidence).
    """
    if pose_format == 'openpose18':
        return read_pose_keypoints(path, NUM_KEYPOINTS)
    if pose_format == 'body25':
        return read_pose_keypoints(path, len(BODY25_KEYPOINTS))[list(BODY25_TO_OPENPOSE18)]
    if pose_format == 'dresscode':
        return read_dresscode_keypoints(path)
    raise ValueError(f'pose_format must be one of {POSE_FORMATS}, got {pose_format!r}')
