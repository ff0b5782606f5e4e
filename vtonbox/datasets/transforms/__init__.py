"""Data transforms of the try-on pipeline (load -> resize/pad -> flip -> masks -> pack)."""
from .densepose_rendering import DensePosePartsFromParsing, DensePoseRenderingToInput
from .flip import TryOnRandomFlip
from .formatting import INPUT_SPECS, PackTryOnInputs, tryon_collate
from .geometry import (
                       ResizePad,
                       ResizePadGeometry,
                       compute_resize_pad,
                       resize_pad_keypoints,
                       undo_resize_pad,
)
from .label_conversion import ConvertParsingLabels
from .loading import (
                      LoadClothMask,
                      LoadDensePose,
                      LoadDensePoseRendering,
                      LoadParsing,
                      LoadPoseKeypoints,
                      LoadTryOnImage,
)
from .masks import BinarizeMask, DensePoseToOneHot, ParsingToRegionMasks
from .pose import GeneratePoseMap, pose_map, visible_keypoints

__all__ = [
    'LoadTryOnImage', 'LoadClothMask', 'LoadParsing', 'LoadPoseKeypoints', 'LoadDensePose',
    'ResizePad', 'ResizePadGeometry', 'compute_resize_pad', 'resize_pad_keypoints',
    'undo_resize_pad', 'TryOnRandomFlip', 'BinarizeMask', 'ParsingToRegionMasks',
    'DensePoseToOneHot', 'GeneratePoseMap', 'pose_map', 'visible_keypoints', 'PackTryOnInputs',
    'INPUT_SPECS', 'tryon_collate', 'LoadDensePoseRendering', 'ConvertParsingLabels',
    'DensePoseRenderingToInput', 'DensePosePartsFromParsing'
]
