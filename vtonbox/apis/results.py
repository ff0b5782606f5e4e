"""Results of the Inferencer: back to the person photo's size, strips, PNG files.

The model runs at the config size (e.g. 256 x 192): ``ResizePad`` scaled the person
photo by ``scale_factor`` (aspect kept) and padded it with ``pad`` (top, bottom, left,
right). Predictions are mapped back by cropping that padding and resizing the rest to
``ori_shape`` (area interpolation when shrinking, bilinear when enlarging).
"""
import os
import os.path as osp
from typing import Dict, Sequence

import cv2
import numpy as np

from vtonbox.engine.hooks.save_results_hook import result_name
from vtonbox.utils.image_io import write_rgb_png
from vtonbox.visualization.tryon_visualizer import PANEL_GAP

#: Sub-folder of ``out_dir`` for person | garment | try-on strips.
STRIP_DIR = 'strips'
_WHITE = 255


def restore_size(array: np.ndarray, pad: Sequence[int], ori_shape: Sequence[int]) -> np.ndarray:
    """Map a model-size (H, W[, C]) uint8 array back to the photo size.

    Args:
        array (ndarray): (H, W) or (H, W, C) at the model size.
        pad (tuple[int, int, int, int]): (top, bottom, left, right) added by ResizePad.
        ori_shape (tuple[int, int]): (h, w) of the photo.

    Returns:
        ndarray: (h, w[, C]), same dtype.
    """
    top, bottom, left, right = (int(v) for v in pad)
    height, width = array.shape[:2]
    cropped = np.ascontiguousarray(array[top:height - bottom, left:width - right])
    out_h, out_w = int(ori_shape[0]), int(ori_shape[1])
    if cropped.shape[:2] == (out_h, out_w):
        return cropped
    shrinking = out_h * out_w < cropped.shape[0] * cropped.shape[1]
    flag = cv2.INTER_AREA if shrinking else cv2.INTER_LINEAR
    return cv2.resize(cropped, (out_w, out_h), interpolation=flag)


def fit_height(image: np.ndarray, height: int) -> np.ndarray:
    """Scale an (h, w[, C]) image to ``height`` rows with its aspect ratio kept."""
    if image.shape[0] == height:
        return image
    width = max(1, round(image.shape[1] * height / image.shape[0]))
    flag = cv2.INTER_AREA if height < image.shape[0] else cv2.INTER_LINEAR
    return cv2.resize(image, (width, height), interpolation=flag)


def tryon_strip(person: np.ndarray, cloth: np.ndarray, tryon: np.ndarray) -> np.ndarray:
    """person | garment | try-on side by side at the person's height.

    Args:
        person, cloth, tryon (ndarray): (H, W, 3) uint8 RGB (the garment may have any
            size; it is scaled to the person's height).

    Returns:
        ndarray: (H, W_total, 3) uint8 RGB with white gaps of ``PANEL_GAP`` pixels.
    """
    height = person.shape[0]
    gap = np.full((height, PANEL_GAP, 3), _WHITE, np.uint8)
    panels = [person, fit_height(cloth, height), fit_height(tryon, height)]
    row = []
    for panel in panels:
        row += [panel, gap]
    return np.concatenate(row[:-1], axis=1)


def output_name(result: Dict) -> str:
    """``<person stem>__<garment stem>.png`` (as ``tools/test.py --show-dir`` names it)."""
    return result_name(dict(person_path=result['person_name'], cloth_path=result['cloth_name']))


class ResultWriter:
    """Write try-on PNGs (and strips) to a folder; repeated names get a ``-N`` suffix.

    Args:
        out_dir (str): folder for ``<person>__<garment>.png`` (created).
        save_strip (bool): also write ``strips/<name>``: person | garment | try-on.
    """

    def __init__(self, out_dir: str, save_strip: bool = False) -> None:
        self.out_dir = os.fspath(out_dir)
        self.save_strip = save_strip
        os.makedirs(osp.join(self.out_dir, STRIP_DIR) if save_strip else self.out_dir,
                    exist_ok=True)
        self._used: Dict[str, int] = {}
        self.written = 0

    def unique_name(self, name: str) -> str:
        count = self._used.get(name, 0)
        self._used[name] = count + 1
        if not count:
            return name
        stem, ext = osp.splitext(name)
        return self.unique_name(f'{stem}-{count}{ext}')

    def write(self, result: Dict, person: np.ndarray, cloth: np.ndarray) -> str:
        """Write one result; ``person`` / ``cloth`` are the (H, W, 3) inputs (for strips).

        Returns:
            str: path of the try-on PNG.
        """
        name = self.unique_name(output_name(result))
        path = osp.join(self.out_dir, name)
        write_rgb_png(path, result['tryon'])
        if self.save_strip:
            write_rgb_png(osp.join(self.out_dir, STRIP_DIR, name),
                          tryon_strip(person, cloth, result['tryon']))
        self.written += 1
        return path
