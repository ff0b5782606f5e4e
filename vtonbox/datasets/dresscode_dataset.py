"""DressCodeDataset: DressCode (upper body, lower body, dresses) in the data contract of
``VITONDataset``."""
from typing import Dict, List, Optional, Sequence, Union

import numpy as np

from vtonbox.registry import DATASETS

from .dresscode_layout import (
    FOLDERS,
    MISSING_FOLDER_HINTS,
    MODALITY_FILE_KINDS,
    build_samples,
    resolve_categories,
)
from .labels import ATR_CLASSES
from .viton_dataset import VITONDataset


@DATASETS.register_module()
class DressCodeDataset(VITONDataset):
    """DressCode train or test pairs of one category, several or all (``dresscode_layout``).

    The files are DressCode's own (ATR parsing, 18 keypoints in a 384 x 512 frame,
    DensePose part PNGs) plus the garment masks made once by
    ``tools/dataset/make_cloth_masks.py``; the pipeline converts them to the VITON
    contract with ``ConvertParsingLabels(label_set='atr')`` (the try-on garment region
    follows each item's ``category``) and ``LoadPoseKeypoints(pose_format='dresscode')``;
    DensePose is loaded and one-hot encoded as for VITON
    (docs/user_guides/dataset_prepare.md, "DressCode").

    Training (``test_mode=False``) adds the unpaired garment of another sample *of the
    same category* at every fetch; test splits don't.

    Args:
        data_root (str): the DressCode root (holding the category folders).
        category (str | list[str]): ``'upper_body'``, ``'lower_body'``, ``'dresses'``, a
            list of them or ``'all'``.
        split (str): ``'train'`` (``train_pairs.txt``) or ``'test'``
            (``test_pairs_paired.txt``, or ``test_pairs_unpaired.txt`` with
            ``mode='unpaired'``).
        mode (str): ``'auto'`` (paired when the ids match), ``'paired'`` (every person
            with their own garment) or ``'unpaired'``.
        folders (dict, optional): modality -> folder inside each category folder; None
            uses ``dresscode_layout.FOLDERS``.
        pair_lists (list[str], optional): pair list names inside each category folder
            (instead of the split's default).
        test_mode (bool, optional): None means ``split == 'test'``.
        **kwargs: ``pipeline``, ``check_files`` and the other ``BaseTryOnDataset``
            arguments.
    """

    METAINFO = dict(VITONDataset.METAINFO, source_parsing_classes=ATR_CLASSES)
    LAYOUT = 'dresscode'
    MISSING_FOLDER_HINTS = MISSING_FOLDER_HINTS

    @classmethod
    def synthetic_options(cls, dataset_cfg: dict) -> dict:
        """The configured categories (``'all'`` by default) are the ones written."""
        return dict(category=dataset_cfg.get('category', 'all'))

    def __init__(self, data_root: str = '', category: Union[str, Sequence[str]] = 'all',
                 split: str = 'train',
                 mode: str = 'auto', folders: Optional[Dict[str, str]] = None,
                 pair_lists: Optional[Sequence[str]] = None, test_mode: Optional[bool] = None,
                 **kwargs) -> None:
        for key in ('data_prefix', 'ann_file'):
            if key in kwargs:
                raise TypeError(f'DressCodeDataset takes folders= and pair_lists= (per '
                                f'category folder), not {key}=')
        self.categories = resolve_categories(category)
        self.folders = dict(FOLDERS if folders is None else folders)
        self.pair_lists = tuple(pair_lists) if pair_lists else None
        self._same_category: Dict[str, np.ndarray] = {}
        self._category_of = np.zeros(0, dtype=object)
        super().__init__(data_root=data_root, data_prefix={}, ann_file='', split=split,
                         mode=mode,
                         test_mode=split == 'test' if test_mode is None else test_mode,
                         **kwargs)

    def list_samples(self) -> List[dict]:
        return build_samples(self.data_root, self.categories, self.split, self.mode,
                             self.folders, self.pair_lists)

    def file_kinds(self) -> Dict[str, str]:
        return MODALITY_FILE_KINDS

    def full_init(self) -> None:
        super().full_init()
        self._category_of = np.array([self.get_data_info(i)['category']
                                      for i in range(len(self))], dtype=object)
        self._same_category = {c: np.flatnonzero(self._category_of == c)
                               for c in self.categories}

    def draw_unpaired_index(self, idx: int) -> int:
        """A uniformly drawn index of another sample of the same category (``idx``
        itself only when its category has one sample)."""
        members = self._same_category[self._category_of[idx]]
        if len(members) <= 1:
            return idx
        position = int(np.searchsorted(members, idx))
        other = int(np.random.randint(len(members) - 1))
        return int(members[other + 1 if other >= position else other])

    def prepare_data(self, idx: int) -> Optional[dict]:
        if self.test_mode:
            return self.pipeline(self.get_data_info(idx))
        return super().prepare_data(idx)
