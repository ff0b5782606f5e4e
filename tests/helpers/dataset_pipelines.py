"""Training / test pipelines of the three dataset layouts, as a config writes them.

The VITON-HD and DressCode pipelines differ from VITON's only in the loaders (label set,
pose format, DensePose variant); everything after ``ResizePad`` is VITON's.
"""
from typing import List, Sequence


def _tail(size: Sequence[int], defer: bool, densepose: List[dict]) -> List[dict]:
    return [
        dict(type='ResizePad', size=tuple(size)),
        dict(type='TryOnRandomFlip', prob=0.0),
        dict(type='BinarizeMask', keys=['cloth_mask', 'cloth_mask_unpaired'], threshold=0.5),
        dict(type='ParsingToRegionMasks', defer=defer),
        dict(type='GeneratePoseMap', defer=defer),
        *densepose,
        dict(type='PackTryOnInputs'),
    ]


def _images() -> List[dict]:
    return [dict(type='LoadTryOnImage', keys=['person', 'cloth', 'cloth_unpaired']),
            dict(type='LoadClothMask', keys=['cloth_mask', 'cloth_mask_unpaired'])]


def viton_train_pipeline(size, defer: bool = False) -> List[dict]:
    """``configs/_base_/datasets/viton.py``'s training pipeline at ``size``."""
    return _images() + [dict(type='LoadParsing'), dict(type='LoadPoseKeypoints'),
                        dict(type='LoadDensePose')] + _tail(
        size, defer, [dict(type='DensePoseToOneHot', defer=defer)])


def viton_hd_train_pipeline(size, densepose_format: str = 'rgb',
                            defer: bool = False) -> List[dict]:
    """VITON-HD: CIHP parsing, BODY_25 pose, DensePose rendering (or part maps)."""
    loaders = _images() + [dict(type='LoadParsing', num_classes=20),
                           dict(type='ConvertParsingLabels', label_set='cihp'),
                           dict(type='LoadPoseKeypoints', pose_format='body25')]
    if densepose_format == 'rgb':
        return loaders + [dict(type='LoadDensePoseRendering')] + _tail(
            size, defer, [dict(type='DensePoseRenderingToInput'),
                          dict(type='DensePosePartsFromParsing')])
    return loaders + [dict(type='LoadDensePose')] + _tail(
        size, defer, [dict(type='DensePoseToOneHot', defer=defer)])


def dresscode_train_pipeline(size, defer: bool = False) -> List[dict]:
    """DressCode: ATR parsing (garment region by category), 384 x 512 keypoints, parts."""
    return _images() + [dict(type='LoadParsing', num_classes=18),
                        dict(type='ConvertParsingLabels', label_set='atr'),
                        dict(type='LoadPoseKeypoints', pose_format='dresscode'),
                        dict(type='LoadDensePose')] + _tail(
        size, defer, [dict(type='DensePoseToOneHot', defer=defer)])


def inference_pipeline(size) -> List[dict]:
    """Person, cloth and mask only (inference / evaluation), any layout."""
    return [dict(type='LoadTryOnImage', keys=['person', 'cloth']),
            dict(type='LoadClothMask', keys=['cloth_mask']),
            dict(type='ResizePad', size=tuple(size)),
            dict(type='BinarizeMask', keys=['cloth_mask'], threshold=0.5),
            dict(type='PackTryOnInputs')]
