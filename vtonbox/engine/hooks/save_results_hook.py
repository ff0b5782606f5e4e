"""Save every predicted try-on of a test run as a lossless PNG (for FID and for users),
optionally with a person | cloth | try-on strip beside it, with a progress bar."""
import os
import os.path as osp
from typing import Optional, Sequence

import cv2
from mmengine.hooks import Hook
from mmengine.utils import ProgressBar

from vtonbox.registry import HOOKS
from vtonbox.visualization import tryon_grid_row

#: Panels of the optional strip, as in the upstream test script.
STRIP_FIELDS = ('person', 'cloth', 'pred_tryon')


def result_name(sample: dict) -> str:
    """``<person stem>__<cloth stem>.png``: unique per pair, readable."""
    person = osp.splitext(osp.basename(sample.get('person_path', 'person')))[0]
    cloth = osp.splitext(osp.basename(sample.get('cloth_path', 'cloth')))[0]
    return f'{person}__{cloth}.png'


def write_rgb_png(path: str, rgb) -> None:
    """Write an (H, W, 3) uint8 RGB array as PNG, raising when OpenCV fails."""
    if not cv2.imwrite(path, cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR)):
        raise OSError(f'could not write {path}')


@HOOKS.register_module()
class SaveTryOnResultsHook(Hook):
    """Write ``pred_tryon`` of every test sample to ``out_dir``.

    Args:
        out_dir (str): folder for the try-on PNGs (created).
        save_strip (bool): also write ``strips/<name>`` person | cloth | try-on.
        show_progress (bool): print a progress bar on rank 0.
    """

    priority = 'LOW'

    def __init__(self, out_dir: str, save_strip: bool = False, show_progress: bool = True):
        self.out_dir = out_dir
        self.save_strip = save_strip
        self.show_progress = show_progress
        self._bar: Optional[ProgressBar] = None

    def before_test(self, runner) -> None:
        os.makedirs(osp.join(self.out_dir, 'strips') if self.save_strip else self.out_dir,
                    exist_ok=True)
        if self.show_progress and runner.rank == 0:
            self._bar = ProgressBar(len(runner.test_dataloader))

    def after_test_iter(self, runner, batch_idx: int, data_batch=None,
                        outputs: Optional[Sequence] = None) -> None:
        for sample in outputs or ():
            sample = sample.to_dict() if hasattr(sample, 'to_dict') else sample
            name = result_name(sample)
            tryon = sample['pred_tryon'].detach().cpu().permute(1, 2, 0).numpy()
            write_rgb_png(osp.join(self.out_dir, name), tryon)
            if self.save_strip:
                write_rgb_png(osp.join(self.out_dir, 'strips', name),
                              tryon_grid_row(sample, STRIP_FIELDS))
        if self._bar is not None:
            self._bar.update()

    def after_test(self, runner) -> None:
        if self._bar is not None:
            print()
            runner.logger.info(f'Try-on images saved to {osp.abspath(self.out_dir)}')
            self._bar = None
