"""Loading transforms: read each modality's file named by ``results['<key>_path']``.

Every loader exposes ``path_keys`` (the result keys of the files it reads) so that a
dataset can check, once at start-up, that those files exist for every sample.
Images stay ``uint8`` all the way to the model; the data preprocessor normalises them.
"""
from abc import abstractmethod
from typing import Sequence, Tuple, Union

import numpy as np
from mmcv.transforms import BaseTransform
from PIL import Image

from vtonbox.registry import TRANSFORMS

from ..labels import (
    DRESSCODE_KEYPOINT_FRAME,
    NUM_DENSEPOSE_CLASSES,
    NUM_KEYPOINTS,
    NUM_PARSING_CLASSES,
    POSE_FORMATS,
)
from ..readers import (
    DataFileError,
    read_densepose,
    read_gray,
    read_image,
    read_keypoints,
    read_label_map,
    read_pose_keypoints,
)
from .keys import as_keys
from .pose import visible_keypoints


def _path_of(results: dict, key: str) -> str:
    path_key = f'{key}_path'
    if path_key not in results:
        raise KeyError(f'the pipeline loads {key!r} but the sample has no {path_key!r}; '
                       f'does the dataset data_prefix name a folder for {key!r}?')
    return results[path_key]


class _LoadFiles(BaseTransform):
    """Shared part of the loaders: read ``results[f'{key}_path']`` into ``results[key]``."""

    def __init__(self, keys: Union[str, Sequence[str]]) -> None:
        self.keys = as_keys(keys)

    @property
    def path_keys(self) -> Tuple[str, ...]:
        return tuple(f'{key}_path' for key in self.keys)

    @abstractmethod
    def read(self, path: str) -> np.ndarray:
        """Read one file of this modality."""

    def transform(self, results: dict) -> dict:
        for key in self.keys:
            results[key] = self.read(_path_of(results, key))
        return results

    def __repr__(self) -> str:
        return f'{self.__class__.__name__}(keys={list(self.keys)})'


@TRANSFORMS.register_module()
class LoadTryOnImage(_LoadFiles):
    """Load RGB images (person, cloth, unpaired cloth) with OpenCV.

    Grey, RGBA (composited over white) and 16-bit files are converted.
    Adds ``results[key]``: (H, W, 3) uint8 RGB.

    Args:
        keys (str | list[str]): modalities to load, e.g. ``['person', 'cloth']``.
    """

    def __init__(self, keys: Union[str, Sequence[str]] = ('person', 'cloth')) -> None:
        super().__init__(keys)

    def read(self, path: str) -> np.ndarray:
        return read_image(path)


@TRANSFORMS.register_module()
class LoadClothMask(_LoadFiles):
    """Load grey cloth masks ("edge" images); binarise later with ``BinarizeMask``.

    Adds ``results[key]``: (H, W) uint8 in [0, 255].
    """

    def __init__(self, keys: Union[str, Sequence[str]] = ('cloth_mask', )) -> None:
        super().__init__(keys)

    def read(self, path: str) -> np.ndarray:
        return read_gray(path)


@TRANSFORMS.register_module()
class LoadParsing(_LoadFiles):
    """Load a human parsing PNG as raw ids (grey or palette PNG).

    Adds ``results[key]``: (H, W) uint8 ids in [0, num_classes - 1].

    Args:
        keys (str | list[str]): default ``'parsing'``.
        num_classes (int): ids must be below this (14 for VITON).
    """

    def __init__(self, keys: Union[str, Sequence[str]] = 'parsing',
                 num_classes: int = NUM_PARSING_CLASSES) -> None:
        super().__init__(keys)
        self.num_classes = num_classes

    def read(self, path: str) -> np.ndarray:
        return read_label_map(path, self.num_classes)

    def __repr__(self) -> str:
        return f'{self.__class__.__name__}(keys={list(self.keys)}, num_classes={self.num_classes})'


#: Frame (H, W) the keypoints of each file format are stored in; None = image pixels.
POSE_FRAMES = dict(openpose18=None, body25=None, dresscode=DRESSCODE_KEYPOINT_FRAME)


def image_size(results: dict, key: str) -> Tuple[int, int]:
    """(H, W) of ``results[key]`` if loaded, else read from the header of its file."""
    if key in results:
        return tuple(int(v) for v in np.asarray(results[key]).shape[:2])
    path = _path_of(results, key)
    try:
        with Image.open(path) as img:
            width, height = img.size
    except FileNotFoundError:
        raise DataFileError(path, 'file not found') from None
    except (OSError, SyntaxError, ValueError) as err:
        raise DataFileError(path, f'cannot read the image size ({err})') from None
    return int(height), int(width)


def scale_keypoints(keypoints: np.ndarray, src_hw: Sequence[int],
                    dst_hw: Sequence[int]) -> np.ndarray:
    """(K, 3) keypoints of an ``src_hw`` frame -> pixels of a ``dst_hw`` image (x, y
    scaled per axis; absent keypoints stay (0, 0, 0))."""
    out = np.zeros_like(keypoints, dtype=np.float32)
    visible = visible_keypoints(keypoints)
    out[visible, 0] = keypoints[visible, 0] * (dst_hw[1] / src_hw[1])
    out[visible, 1] = keypoints[visible, 1] * (dst_hw[0] / src_hw[0])
    out[visible, 2] = keypoints[visible, 2]
    return out


@TRANSFORMS.register_module()
class LoadPoseKeypoints(BaseTransform):
    """Load body keypoints as OpenPose-18 (COCO-18 order) rows in person pixels.

    Reads ``results['pose_path']``; adds ``results[out_key]``: (18, 3) float32 rows of
    (x, y, confidence) in person pixels; no person in the file -> all zeros.

    File formats (``pose_format``): ``'openpose18'`` (VITON: ``pose_keypoints`` or
    ``pose_keypoints_2d`` with 18 keypoints), ``'body25'`` (VITON-HD: OpenPose BODY_25,
    the 18 COCO joints picked by name, ``labels.BODY25_TO_OPENPOSE18``) and
    ``'dresscode'`` (``{"keypoints": [[x, y, ...] x 18]}`` in a 384 x 512 frame, scaled
    here to the size of the person image ``frame_key``).

    Args:
        key (str): modality name whose ``<key>_path`` is read. Default ``'pose'``.
        out_key (str): where to store the keypoints. Default ``'pose_keypoints'``.
        num_keypoints (int): keypoints per person of an ``'openpose18'`` file. Default 18.
        pose_format (str): one of ``labels.POSE_FORMATS``. Default ``'openpose18'``.
        frame_key (str): the image whose size the ``'dresscode'`` frame is scaled to (its
            loaded array, else the header of ``<frame_key>_path``). Default ``'person'``.
    """

    def __init__(self, key: str = 'pose', out_key: str = 'pose_keypoints',
                 num_keypoints: int = NUM_KEYPOINTS, pose_format: str = 'openpose18',
                 frame_key: str = 'person') -> None:
        if pose_format not in POSE_FORMATS:
            raise ValueError(f'pose_format must be one of {POSE_FORMATS}, got {pose_format!r}')
        if pose_format != 'openpose18' and num_keypoints != NUM_KEYPOINTS:
            raise ValueError(f'pose_format={pose_format!r} gives the {NUM_KEYPOINTS} '
                             f'OpenPose-18 keypoints; num_keypoints must be {NUM_KEYPOINTS}')
        self.key = key
        self.out_key = out_key
        self.num_keypoints = num_keypoints
        self.pose_format = pose_format
        self.frame_key = frame_key

    @property
    def path_keys(self) -> Tuple[str, ...]:
        return (f'{self.key}_path', )

    def transform(self, results: dict) -> dict:
        path = _path_of(results, self.key)
        if self.pose_format == 'openpose18':
            keypoints = read_pose_keypoints(path, self.num_keypoints)
        else:
            keypoints = read_keypoints(path, self.pose_format)
        frame = POSE_FRAMES[self.pose_format]
        if frame is not None:
            keypoints = scale_keypoints(keypoints, frame, image_size(results, self.frame_key))
        results[self.out_key] = keypoints
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(key={self.key!r}, out_key={self.out_key!r}, '
                f'num_keypoints={self.num_keypoints}, pose_format={self.pose_format!r})')


@TRANSFORMS.register_module()
class LoadDensePose(_LoadFiles):
    """Load DensePose part-index maps from ``.npy`` (VITON) or PNG (DressCode).

    Adds ``results[key]``: (H, W) uint8 ids in [0, num_classes - 1] (0 = background).

    Args:
        keys (str | list[str]): default ``'densepose'``.
        num_classes (int): 25 for the standard DensePose parts (incl. background).
    """

    def __init__(self, keys: Union[str, Sequence[str]] = 'densepose',
                 num_classes: int = NUM_DENSEPOSE_CLASSES) -> None:
        super().__init__(keys)
        self.num_classes = num_classes

    def read(self, path: str) -> np.ndarray:
        return read_densepose(path, self.num_classes)

    def __repr__(self) -> str:
        return f'{self.__class__.__name__}(keys={list(self.keys)}, num_classes={self.num_classes})'


@TRANSFORMS.register_module()
class LoadDensePoseRendering(BaseTransform):
    """Load an RGB *rendering* of DensePose (VITON-HD ``image-densepose/*.jpg``).

    Unlike the part-index maps of ``LoadDensePose``, the rendering is a colour image; it
    is kept under its own key so that no transform takes its colours for part ids.
    Reads ``results[f'{key}_path']``; adds ``results[out_key]``: (H, W, 3) uint8 RGB.
    ``DensePoseRenderingToInput`` makes the model input from it.

    Args:
        key (str): modality whose path is read. Default ``'densepose'``.
        out_key (str): result key. Default ``'densepose_rgb'``.
    """

    def __init__(self, key: str = 'densepose', out_key: str = 'densepose_rgb') -> None:
        self.key = key
        self.out_key = out_key

    @property
    def path_keys(self) -> Tuple[str, ...]:
        return (f'{self.key}_path', )

    def transform(self, results: dict) -> dict:
        results[self.out_key] = read_image(_path_of(results, self.key))
        return results

    def __repr__(self) -> str:
        return f'{self.__class__.__name__}(key={self.key!r}, out_key={self.out_key!r})'
