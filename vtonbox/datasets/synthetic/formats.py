"""File formats of the VITON-HD and DressCode releases, for the synthetic writers.

The synthetic person is drawn with the VITON 14-class ids and OpenPose-18 keypoints
(``person.py``); these helpers turn them into what the other datasets store: CIHP or
ATR ids, OpenPose BODY_25 JSON, DressCode's 384 x 512 keypoint frame, and an RGB
rendering of the DensePose parts.
"""
import json

import cv2
import numpy as np
from PIL import Image

from ..labels import (
    BODY25_KEYPOINTS,
    BODY25_TO_OPENPOSE18,
    DRESSCODE_KEYPOINT_FRAME,
    LABEL_SETS,
    NUM_DENSEPOSE_CLASSES,
    PARSING_CLASSES,
)
from ..transforms.pose import visible_keypoints

#: Drawn (VITON) class -> class of another label set, where the names differ.
_RENAMES = dict(atr=dict(face='head'))
#: VITON classes the synthetic person is drawn with.
DRAWN_CLASSES = ('background', 'hair', 'upper_clothes', 'left_shoe', 'right_shoe', 'pants',
                 'left_leg', 'right_leg', 'left_arm', 'face', 'right_arm')
KEYPOINT_DECIMALS = 2
_LUT_SIZE = 256
_PALETTE_BITS = 8


def relabel_table(label_set: str) -> np.ndarray:
    """(256,) uint8: drawn VITON id -> id of ``label_set`` (CIHP, LIP or ATR), by name."""
    names = LABEL_SETS[label_set]
    renames = _RENAMES.get(label_set, {})
    lut = np.zeros(_LUT_SIZE, dtype=np.uint8)
    for name in DRAWN_CLASSES:
        lut[PARSING_CLASSES.index(name)] = names.index(renames.get(name, name))
    return lut


def label_palette(num_colours: int = _LUT_SIZE) -> np.ndarray:
    """(num_colours, 3) uint8 distinct colours (bit-interleaved, as the PASCAL / CIHP maps)."""
    palette = np.zeros((num_colours, 3), dtype=np.uint8)
    for index in range(num_colours):
        value, colour = index, [0, 0, 0]
        for bit in range(_PALETTE_BITS):
            for channel in range(3):
                colour[channel] |= ((value >> channel) & 1) << (_PALETTE_BITS - 1 - bit)
            value >>= 3
        palette[index] = colour
    return palette


def write_palette_png(path: str, ids: np.ndarray) -> None:
    """Write an (H, W) id map as a palette PNG (the format of VITON-HD's parsing)."""
    image = Image.fromarray(np.ascontiguousarray(ids, dtype=np.uint8), mode='P')
    image.putpalette(label_palette().reshape(-1).tolist())
    image.save(path)


def densepose_rendering(parts: np.ndarray) -> np.ndarray:
    """(H, W) DensePose part ids -> (H, W, 3) uint8 RGB: every part a colour of the parula
    colour map (id / 24 of its range), the background black."""
    levels = np.round(parts.astype(np.float32) * (255.0 / (NUM_DENSEPOSE_CLASSES - 1)))
    bgr = cv2.applyColorMap(levels.astype(np.uint8), cv2.COLORMAP_PARULA)
    rgb = np.ascontiguousarray(bgr[..., ::-1])
    rgb[parts == 0] = 0
    return rgb


def body25_keypoints(keypoints: np.ndarray) -> np.ndarray:
    """(18, 3) OpenPose-18 -> (25, 3) BODY_25 rows: the same joints, mid-hip between the
    hips when both are present, no foot points."""
    out = np.zeros((len(BODY25_KEYPOINTS), keypoints.shape[1]), dtype=np.float32)
    out[list(BODY25_TO_OPENPOSE18)] = keypoints
    hips = [BODY25_KEYPOINTS.index('right_hip'), BODY25_KEYPOINTS.index('left_hip')]
    if visible_keypoints(out[hips]).all():
        out[BODY25_KEYPOINTS.index('mid_hip')] = out[hips].mean(0)
    return out


def write_body25_json(path: str, keypoints: np.ndarray) -> None:
    """OpenPose JSON with ``people[0].pose_keypoints_2d`` (BODY_25, image pixels)."""
    values = [round(float(v), KEYPOINT_DECIMALS) for v in body25_keypoints(keypoints).ravel()]
    with open(path, 'w', encoding='utf-8') as f:
        json.dump(dict(version=1.3, people=[dict(person_id=[-1], pose_keypoints_2d=values)]), f)


def dresscode_keypoint_rows(keypoints: np.ndarray, image_hw) -> list:
    """(18, 3) image-pixel keypoints -> DressCode rows ``[x, y, confidence, index]`` in the
    384 x 512 frame (absent ones ``[0, 0, 0, index]``); the loader reads x and y only."""
    frame_h, frame_w = DRESSCODE_KEYPOINT_FRAME
    scale = np.array([frame_w / image_hw[1], frame_h / image_hw[0]])
    rows = []
    for index, (point, present) in enumerate(zip(keypoints, visible_keypoints(keypoints))):
        x, y = (point[:2] * scale) if present else (0.0, 0.0)
        rows.append([round(float(x), KEYPOINT_DECIMALS), round(float(y), KEYPOINT_DECIMALS),
                     float(point[2]) if present else 0.0, float(index)])
    return rows


def write_dresscode_json(path: str, keypoints: np.ndarray, image_hw) -> None:
    """DressCode keypoint JSON: ``{"keypoints": [[x, y, c, k] x 18]}``."""
    with open(path, 'w', encoding='utf-8') as f:
        json.dump(dict(keypoints=dresscode_keypoint_rows(keypoints, image_hw)), f)


def region_on_white(image: np.ndarray, region: np.ndarray) -> np.ndarray:
    """The pixels of an (H, W, 3) image inside the (H, W) bool ``region``, on white."""
    out = np.full_like(image, 255)
    out[region] = image[region]
    return out
