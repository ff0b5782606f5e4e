"""Save every predicted try-on of an evaluation as a lossless PNG (for FID and for
users), optionally with a person | cloth | try-on strip beside it.

Test-loop results (the unpaired protocol) go to ``<out_dir>/unpaired``, val-loop results
(the paired protocol) to ``<out_dir>/paired``.
"""
import os
import os.path as osp
from typing import Dict, Optional, Sequence

from mmengine.hooks import Hook
from mmengine.hooks.hook import DATA_BATCH
from mmengine.runner import Runner

from vtonbox.registry import HOOKS
from vtonbox.utils.image_io import write_rgb_png
from vtonbox.visualization import tryon_grid_row

#: Panels of the optional strip, as in the upstream test script.
STRIP_FIELDS = ('person', 'cloth', 'pred_tryon')
#: Sub-folder per loop.
DEFAULT_SUBDIRS = dict(test='unpaired', val='paired')


def result_name(sample: dict) -> str:
    """``<person stem>__<cloth stem>.png``: unique per pair, readable."""
    person = osp.splitext(osp.basename(sample.get('person_path', 'person')))[0]
    cloth = osp.splitext(osp.basename(sample.get('cloth_path', 'cloth')))[0]
    return f'{person}__{cloth}.png'


@HOOKS.register_module()
class SaveTryOnResultsHook(Hook):
    """Write ``pred_tryon`` of every val/test sample under ``out_dir``.

    Args:
        out_dir (str): root folder (created).
        save_strip (bool): also write ``<subdir>/strips/<name>`` person | cloth | try-on.
        subdirs (dict): sub-folder per loop (``test``, ``val``).
    """

    priority = 'LOW'

    def __init__(self, out_dir: str, save_strip: bool = False,
                 subdirs: Optional[Dict[str, str]] = None) -> None:
        self.out_dir = out_dir
        self.save_strip = save_strip
        self.subdirs = dict(subdirs or DEFAULT_SUBDIRS)

    def folder(self, mode: str) -> str:
        return osp.join(self.out_dir, self.subdirs[mode])

    def _save(self, mode: str, outputs: Optional[Sequence]) -> None:
        folder = self.folder(mode)
        os.makedirs(osp.join(folder, 'strips') if self.save_strip else folder, exist_ok=True)
        for sample in outputs or ():
            sample = sample.to_dict() if hasattr(sample, 'to_dict') else sample
            name = result_name(sample)
            tryon = sample['pred_tryon'].detach().cpu().permute(1, 2, 0).numpy()
            write_rgb_png(osp.join(folder, name), tryon)
            if self.save_strip:
                write_rgb_png(osp.join(folder, 'strips', name),
                              tryon_grid_row(sample, STRIP_FIELDS))

    def after_test_iter(self, runner: Runner, batch_idx: int, data_batch: DATA_BATCH = None,
                        outputs: Optional[Sequence] = None) -> None:
        self._save('test', outputs)

    def after_val_iter(self, runner: Runner, batch_idx: int, data_batch: DATA_BATCH = None,
                       outputs: Optional[Sequence] = None) -> None:
        self._save('val', outputs)

    def after_test_epoch(self, runner: Runner,
                         metrics: Optional[Dict[str, float]] = None) -> None:
        runner.logger.info(f'Try-on images saved to {osp.abspath(self.folder("test"))}')

    def after_val_epoch(self, runner: Runner,
                        metrics: Optional[Dict[str, float]] = None) -> None:
        runner.logger.info(f'Try-on images saved to {osp.abspath(self.folder("val"))}')
