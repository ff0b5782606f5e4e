"""Inputs of the Inferencer: person photos, garment photos and garment masks given as
file paths or numpy arrays, checked and converted to what the test pipeline expects.

Files are read with the dataset readers (grey, RGBA, 16-bit, palette and CMYK files are
converted; unreadable files raise ``DataFileError`` naming the file), then turned upright
by their EXIF orientation (phone photos). Files of more than :data:`MAX_PIXELS` pixels
are refused from their header, before they are decoded. Arrays are converted the same
way as decoded files, so a file and the array read from it give the same result.
Person photos far from the model's aspect ratio get a warning
(:func:`check_aspect`, called by the Inferencer's pipeline).
"""
import math
import os
import os.path as osp
import warnings
from typing import List, NamedTuple, Optional, Sequence, Tuple, Union

import cv2
import numpy as np
from PIL import Image

from vtonbox.datasets.readers import DataFileError, MissingDataFileError, read_gray, read_image

from .errors import TryOnInputError, TryOnInputWarning

#: Photos with a shorter side below this are refused (nothing recognisable is left).
MIN_SIDE = 32
#: Photos with a longer side above this are downscaled first (aspect kept).
MAX_SIDE = 4096
#: Files with more pixels than this are refused before decoding (a 150-megapixel photo
#: takes ~450 MB decoded; larger files are usually mistakes or decompression bombs).
MAX_PIXELS = 150_000_000
#: Person photos whose width:height ratio differs from the model's by more than this
#: factor (either way) get a warning: fitted to the model size, they are padded so much
#: that the photo covers less than 1 / factor of the model input, and the person is small.
ASPECT_WARN_FACTOR = 1.5
#: EXIF tag of the image orientation.
EXIF_ORIENTATION = 0x0112
_UINT16_TO_UINT8 = 257.0
_WHITE = 255.0
_MASK_ON = 255

ImageSource = Union[str, os.PathLike, np.ndarray]
#: One source or a list of them (a list may hold None where a mask is to be parsed).
ImageSources = Union[ImageSource, Sequence[Optional[ImageSource]]]


class LoadedInput(NamedTuple):
    """An input read into memory.

    ``array``: (H, W, 3) uint8 RGB for photos, (H, W) uint8 for masks. ``path``: the
    file, None for arrays. ``name``: a readable label (file stem, or ``person0``).
    """
    array: np.ndarray
    path: Optional[str]
    name: str


def is_single(source) -> bool:
    """Whether ``source`` is one input (a path or an array) rather than a list."""
    return isinstance(source, (str, os.PathLike, np.ndarray))


def describe(source: ImageSource, role: str, index: int) -> str:
    """``'person image /a/b.jpg'`` or ``'person array #0'`` for messages."""
    if isinstance(source, np.ndarray):
        return f'{role} array #{index}'
    if isinstance(source, (str, os.PathLike)):
        return f'{role} image {os.fspath(source)}'
    return f'{role} #{index}'


def _to_uint8(array: np.ndarray, what: str) -> np.ndarray:
    if array.dtype == np.uint8:
        return array
    if array.dtype == np.uint16:
        return np.round(array.astype(np.float32) / _UINT16_TO_UINT8).astype(np.uint8)
    if array.dtype == bool:
        return array.astype(np.uint8) * np.uint8(_MASK_ON)
    raise TryOnInputError(f'{what}: expected uint8 (or 16-bit) pixels in [0, 255], got dtype '
                          f'{array.dtype}')


def as_rgb(array: np.ndarray, what: str) -> np.ndarray:
    """(H, W), (H, W, 1), (H, W, 3) RGB or (H, W, 4) RGBA uint8/uint16 -> (H, W, 3) uint8.

    Grey is replicated, 16-bit scaled to 8 bit and RGBA composited over white, exactly
    as ``read_image`` does for files.
    """
    if not isinstance(array, np.ndarray):
        raise TypeError(f'{what}: expected a numpy array, got {type(array).__name__}')
    if array.ndim == 3 and array.shape[2] == 1:
        array = array[:, :, 0]
    if array.ndim == 2:
        return np.repeat(_to_uint8(array, what)[:, :, None], 3, axis=2)
    if array.ndim != 3 or array.shape[2] not in (3, 4):
        raise TryOnInputError(f'{what}: expected an (H, W, 3) RGB image, got shape '
                              f'{array.shape}')
    array = _to_uint8(array, what)
    if array.shape[2] == 3:
        return np.ascontiguousarray(array)
    alpha = array[:, :, 3:].astype(np.float32) / _WHITE
    rgb = array[:, :, :3].astype(np.float32)
    return np.round(rgb * alpha + _WHITE * (1.0 - alpha)).astype(np.uint8)


def as_mask(array: np.ndarray, what: str) -> np.ndarray:
    """(H, W) bool / uint8 / uint16 (or (H, W, 1|3) uint8) -> (H, W) uint8 in [0, 255].

    bool masks become {0, 255}; grey masks are kept (the pipeline binarises them).
    """
    if not isinstance(array, np.ndarray):
        raise TypeError(f'{what}: expected a numpy array, got {type(array).__name__}')
    if array.ndim == 3 and array.shape[2] == 1:
        array = array[:, :, 0]
    if array.ndim == 3 and array.shape[2] == 3:
        return cv2.cvtColor(_to_uint8(array, what), cv2.COLOR_RGB2GRAY)
    if array.ndim != 2:
        raise TryOnInputError(f'{what}: expected an (H, W) mask, got shape {array.shape}')
    return np.ascontiguousarray(_to_uint8(array, what))


def exif_orientation(path: str) -> int:
    """EXIF orientation (1..8) of an image file; 1 (upright) when there is none."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter('ignore', Image.DecompressionBombWarning)
            with Image.open(path) as img:
                value = img.getexif().get(EXIF_ORIENTATION, 1)
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        return 1
    return int(value) if isinstance(value, int) and 1 <= value <= 8 else 1


def apply_orientation(array: np.ndarray, orientation: int) -> np.ndarray:
    """Turn an (H, W[, C]) array upright as EXIF ``orientation`` says (PIL's
    ``ImageOps.exif_transpose``)."""
    if orientation in (2, 4):
        array = array[:, ::-1] if orientation == 2 else array[::-1]
    elif orientation in (3, 6, 8):
        array = np.rot90(array, {3: 2, 6: -1, 8: 1}[orientation])
    elif orientation == 5:
        array = array.swapaxes(0, 1)
    elif orientation == 7:
        array = np.rot90(array, 2).swapaxes(0, 1)
    return np.ascontiguousarray(array)


def check_size(array: np.ndarray, what: str, min_side: int = MIN_SIDE,
               max_side: Optional[int] = MAX_SIDE) -> np.ndarray:
    """Refuse tiny photos; downscale huge ones (aspect kept) with a warning.

    Raises:
        TryOnInputError: a side is below ``min_side``.
    """
    height, width = array.shape[:2]
    if min(height, width) < min_side:
        raise TryOnInputError(f'{what} is {width}x{height} pixels; both sides must be at '
                              f'least {min_side} pixels')
    if max_side is None or max(height, width) <= max_side:
        return array
    scale = max_side / max(height, width)
    new_w, new_h = max(1, round(width * scale)), max(1, round(height * scale))
    warnings.warn(f'{what} is {width}x{height} pixels, more than {max_side} on a side; '
                  f'downscaled to {new_w}x{new_h} first (results have that size)',
                  TryOnInputWarning, stacklevel=3)
    return cv2.resize(array, (new_w, new_h), interpolation=cv2.INTER_AREA)


def header_size(path: str) -> Optional[Tuple[int, int]]:
    """(width, height) from an image file's header without decoding it; None when PIL
    does not know the format (OpenCV may still read it)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter('ignore', Image.DecompressionBombWarning)
            with Image.open(path) as img:
                return int(img.width), int(img.height)
    except Image.DecompressionBombError:  # more than twice PIL's limit: report the size
        return _bomb_size(path)
    except (OSError, SyntaxError, ValueError):
        return None


def _bomb_size(path: str) -> Optional[Tuple[int, int]]:
    limit = Image.MAX_IMAGE_PIXELS
    try:
        Image.MAX_IMAGE_PIXELS = None
        with Image.open(path) as img:
            return int(img.width), int(img.height)
    except (OSError, SyntaxError, ValueError):
        return None
    finally:
        Image.MAX_IMAGE_PIXELS = limit


def check_pixels(path: str, max_pixels: Optional[int] = MAX_PIXELS) -> None:
    """Refuse a file with more than ``max_pixels`` pixels before decoding it.

    Raises:
        DataFileError: naming the file, its size and the limit.
    """
    size = None if max_pixels is None else header_size(path)
    if size is None or size[0] * size[1] <= max_pixels:
        return
    width, height = size
    raise DataFileError(path, f'{width}x{height} pixels ({width * height / 1e6:.0f} '
                        f'megapixels), more than the {max_pixels / 1e6:.0f} megapixels '
                        'accepted; downscale the photo first')


def _read(source: ImageSource, role: str, reader) -> np.ndarray:
    path = os.fspath(source)
    if not osp.isfile(path):
        raise MissingDataFileError(path, f'{role} file not found')
    check_pixels(path)
    return apply_orientation(reader(path), exif_orientation(path))


def aspect_label(height: int, width: int) -> str:
    """``'3:4'`` for a 256 x 192 (H x W) model: width:height in lowest terms."""
    divisor = math.gcd(int(width), int(height)) or 1
    return f'{int(width) // divisor}:{int(height) // divisor}'


def check_aspect(size_hw: Sequence[int], model_hw: Sequence[int], what: str,
                 factor: float = ASPECT_WARN_FACTOR) -> bool:
    """Warn (``TryOnInputWarning``) when a person photo's width:height ratio is more than
    ``factor`` away from the model's, e.g. a 1:2 landscape photo for a 3:4 model.

    Such a photo is fitted to the model size with wide padding, so the person is small
    and the try-on poor; cropping it to the model's ratio around the person helps.

    Returns:
        bool: whether it warned.
    """
    height, width = int(size_hw[0]), int(size_hw[1])
    model_h, model_w = int(model_hw[0]), int(model_hw[1])
    ratio, model_ratio = width / height, model_w / model_h
    if max(ratio / model_ratio, model_ratio / ratio) <= factor:
        return False
    label = aspect_label(model_h, model_w)
    warnings.warn(f"{what} is {width} x {height} (ratio {ratio:.2f}), far from the model's "
                  f'{label} ({model_ratio:.2f}); it is padded to fit, so the person comes out '
                  f'small: crop it to ~{label} around the person for best results',
                  TryOnInputWarning, stacklevel=2)
    return True


def _name(source: ImageSource, role: str, index: int) -> str:
    if isinstance(source, np.ndarray):
        return f'{role}{index}'
    return osp.splitext(osp.basename(os.fspath(source)))[0]


def load_photo(source: ImageSource, role: str, index: int = 0, min_side: int = MIN_SIDE,
               max_side: Optional[int] = MAX_SIDE) -> LoadedInput:
    """Read or convert a person / garment photo.

    Args:
        source (str | PathLike | ndarray): a file, or an (H, W, 3) uint8 RGB array
            (grey, RGBA and 16-bit arrays are converted as files are).
        role (str): ``'person'`` or ``'cloth'`` (for messages and names).
        index (int): position in the input list (for messages and names).

    Returns:
        LoadedInput: (H, W, 3) uint8 RGB, at most ``max_side`` on a side.
    """
    what = describe(source, role, index)
    if isinstance(source, np.ndarray):
        array, path = as_rgb(source, what), None
    elif isinstance(source, (str, os.PathLike)):
        array, path = _read(source, role, read_image), os.fspath(source)
    else:
        raise TypeError(f'{role} #{index} must be a file path or a numpy array, got '
                        f'{type(source).__name__}')
    return LoadedInput(check_size(array, what, min_side, max_side), path,
                       _name(source, role, index))


def load_mask(source: ImageSource, cloth_hw: Sequence[int], index: int = 0) -> LoadedInput:
    """Read or convert a garment mask and fit it to its garment photo.

    A mask of another size than the garment is resized to it (nearest) with a warning.

    Args:
        source (str | PathLike | ndarray): a file, or an (H, W) uint8 {0, 255} / bool
            array (grey values are binarised by the pipeline threshold).
        cloth_hw (tuple[int, int]): (H, W) of the garment photo as used.
        index (int): position in the input list.

    Returns:
        LoadedInput: (H, W) uint8 in [0, 255] at ``cloth_hw``.
    """
    what = describe(source, 'cloth mask', index)
    if isinstance(source, np.ndarray):
        array, path = as_mask(source, what), None
    elif isinstance(source, (str, os.PathLike)):
        array, path = _read(source, 'cloth mask', read_gray), os.fspath(source)
    else:
        raise TypeError(f'cloth mask #{index} must be a file path, a numpy array or None, '
                        f'got {type(source).__name__}')
    height, width = int(cloth_hw[0]), int(cloth_hw[1])
    if array.shape[:2] != (height, width):
        warnings.warn(f'{what} is {array.shape[1]}x{array.shape[0]} pixels but its garment '
                      f'photo is {width}x{height}; the mask was resized to fit',
                      TryOnInputWarning, stacklevel=2)
        array = cv2.resize(array, (width, height), interpolation=cv2.INTER_NEAREST_EXACT)
    return LoadedInput(array, path, _name(source, 'mask', index))


def as_list(source, role: str) -> List:
    """One input or a list of inputs -> a non-empty list."""
    if is_single(source):
        return [source]
    if isinstance(source, (list, tuple)):
        if not source:
            raise TryOnInputError(f'the {role} list is empty')
        return list(source)
    raise TypeError(f'{role} must be a file path, a numpy array or a list of them, got '
                    f'{type(source).__name__}')


def pair_inputs(person: ImageSources, cloth: ImageSources,
                cloth_mask: Optional[ImageSources] = None) -> Tuple[list, list, list]:
    """Match persons, garments and masks one to one.

    Lists must have equal lengths, or one side holds a single item that is tried with
    every item of the other (one garment on many people, many garments on one person).
    Masks go with the garments: None (all made by the mask parser), one per garment,
    or a list with None entries.

    Returns:
        tuple[list, list, list]: persons, garments, masks (None entries allowed), all
        of the same length.
    """
    persons, cloths = as_list(person, 'person'), as_list(cloth, 'cloth')
    if cloth_mask is None:
        masks = [None] * len(cloths)
    else:
        masks = as_list(cloth_mask, 'cloth mask')
        if len(masks) != len(cloths):
            raise TryOnInputError(f'got {len(masks)} cloth masks for {len(cloths)} garment '
                                  'photos; give one mask per garment (or none)')
    count = max(len(persons), len(cloths))
    if len(persons) not in (1, count) or len(cloths) not in (1, count):
        raise TryOnInputError(f'got {len(persons)} person and {len(cloths)} garment inputs; '
                              'give as many of each, or one of either')
    if len(persons) == 1:
        persons = persons * count
    if len(cloths) == 1:
        cloths, masks = cloths * count, masks * count
    return persons, cloths, masks
