"""Common part of the try-on datasets: VITON layout, pair modes, start-up file check."""
import copy
from typing import Callable, Dict, List, Optional, Sequence, Union

from mmengine.dataset import BaseDataset

from vtonbox.registry import TRANSFORMS

from .labels import DENSEPOSE_PARTS, OPENPOSE18_KEYPOINTS, PARSING_CLASSES
from .readers import DataFileError, MissingDataFileError
from .viton_layout import (
    MODALITY_FILE_KINDS,
    build_samples,
    default_data_prefix,
    find_missing_files,
    find_missing_folders,
    find_unreadable_files,
)

#: How many missing files the start-up error lists before "... and N more".
MAX_LISTED_MISSING = 10
#: How many unreadable files the start-up error lists before "... and N more".
MAX_LISTED_UNREADABLE = 5
FULL_CHECK_HINT = 'tools/dataset/check_dataset.py decodes every file for a full report'
MISSING_FOLDER_TODO = 'check data_root and the folder names (data_prefix)'


class BaseTryOnDataset(BaseDataset):
    """A try-on dataset over the VITON layout (folder listing or pair list).

    Each item is a dict with ``<modality>_path`` for every modality of
    ``data_prefix`` plus ``paired`` and ``sample_idx``; the pipeline decides which
    modalities are read. At start-up the dataset checks the files the pipeline's
    loaders read (their ``path_keys``) for every sample: that they exist
    (``MissingDataFileError`` otherwise), and, reading only their first and last bytes,
    that they are not empty, are of their modality's format whatever their extension,
    and are not truncated JPEG / PNG (``DataFileError`` otherwise). Both errors are one
    line naming the files and what to do; the full decode of every file is
    ``tools/dataset/check_dataset.py``.

    Args:
        data_root (str): dataset root, e.g. ``data/VITON_traindata``.
        data_prefix (dict, optional): modality -> folder (relative to ``data_root``),
            modalities among ``person, cloth, cloth_mask, parsing, pose, densepose``.
            None uses the upstream folders of ``split`` (``train_img``, ``train_color``,
            ``train_edge``, ``train_label``, ``train_pose``, ``train_densepose``).
            A given dict replaces the defaults entirely.
        ann_file (str): pair list (``person.jpg cloth.jpg`` lines) relative to
            ``data_root``; empty pairs the sorted folder listings by index.
        split (str): prefix of the default folder names. Default ``'train'``.
        mode (str): ``'auto'``, ``'paired'`` or ``'unpaired'`` (see
            ``viton_layout.build_samples``).
        pipeline (list[dict | callable]): transforms, built from the vtonbox registry.
        check_files (bool): check at start-up that the loaded files exist and have
            valid headers (``viton_layout.find_unreadable_files``).
        **kwargs: other ``mmengine.dataset.BaseDataset`` arguments.
    """

    METAINFO = dict(parsing_classes=PARSING_CLASSES, keypoints=OPENPOSE18_KEYPOINTS,
                    densepose_parts=DENSEPOSE_PARTS)
    #: Result keys filled at fetch time from another sample, and the key they copy.
    DERIVED_PATH_KEYS: Dict[str, str] = {}
    #: Modality -> what to do when its folder is missing (layouts add their own).
    MISSING_FOLDER_HINTS: Dict[str, str] = {}
    #: The files' layout (``datasets.synthetic.LAYOUTS``): which synthetic data the
    #: dataset reads, e.g. in the training benchmark.
    LAYOUT = 'viton'

    @classmethod
    def synthetic_options(cls, dataset_cfg: dict) -> dict:
        """Keyword arguments of the synthetic-data writer of ``LAYOUT`` that make data
        this dataset config reads (``datasets.synthetic.make_synthetic``); none here."""
        return {}

    def __init__(self,
                 data_root: str = '',
                 data_prefix: Optional[Dict[str, str]] = None,
                 ann_file: str = '',
                 split: str = 'train',
                 mode: str = 'auto',
                 pipeline: Sequence[Union[dict, Callable]] = (),
                 check_files: bool = True,
                 **kwargs) -> None:
        self.split = split
        self.mode = mode
        self.check_files = check_files
        if data_prefix is None:
            data_prefix = default_data_prefix(split)
        pipeline = [TRANSFORMS.build(t) if isinstance(t, dict) else t for t in pipeline]
        super().__init__(ann_file=ann_file or '', data_root=data_root,
                         data_prefix=copy.copy(dict(data_prefix)), pipeline=pipeline, **kwargs)

    def loaded_path_keys(self) -> List[str]:
        """``<modality>_path`` keys that the pipeline's loaders read."""
        keys = []
        for transform in self.pipeline.transforms:
            keys.extend(getattr(transform, 'path_keys', ()))
        keys = [self.DERIVED_PATH_KEYS.get(k, k) for k in keys]
        return list(dict.fromkeys(keys))

    def list_samples(self) -> List[dict]:
        """The samples of the layout (VITON: ``viton_layout.build_samples``); layouts
        override it, together with ``file_kinds``."""
        return build_samples(self.data_prefix, self.ann_file or None, self.mode)

    def file_kinds(self) -> Dict[str, str]:
        """Modality -> ``readers.check_header`` kind of the layout's files."""
        return MODALITY_FILE_KINDS

    def load_data_list(self) -> List[dict]:
        samples = self.list_samples()
        if not samples:
            source = self.ann_file or self.data_prefix.get('person') or self.data_root
            raise ValueError(f'no samples found in {source}')
        keys = self.loaded_path_keys()
        absent = [k for k in keys if k not in samples[0]]
        if absent:
            raise KeyError(f'the pipeline loads {absent} but data_prefix names no folder for '
                           f'them; data_prefix = {self.data_prefix}')
        if self.check_files:
            self._raise_missing_folder(find_missing_folders(samples, keys))
            missing = find_missing_files(samples, keys)
            if missing:
                listed = ', '.join(missing[:MAX_LISTED_MISSING])
                more = len(missing) - MAX_LISTED_MISSING
                suffix = f' ... and {more} more' if more > 0 else ''
                raise MissingDataFileError(
                    missing[0], f'{len(missing)} data file(s) missing: {listed}{suffix} '
                    '(run tools/dataset/check_dataset.py for a full report)')
            self._raise_unreadable(find_unreadable_files(samples, keys,
                                                         file_kinds=self.file_kinds()))
        return samples

    def _raise_missing_folder(self, missing: Sequence) -> None:
        """One ``MissingDataFileError`` line for the first missing ``(key, folder)``."""
        if not missing:
            return
        key, folder = missing[0]
        modality = key[:-len('_path')]
        todo = self.MISSING_FOLDER_HINTS.get(modality, MISSING_FOLDER_TODO)
        more = f' (and {len(missing) - 1} more folders)' if len(missing) > 1 else ''
        raise MissingDataFileError(folder, f'folder of {modality} not found{more}: the '
                                   f'pipeline loads {modality}; {todo}')

    @staticmethod
    def _raise_unreadable(unreadable: Sequence) -> None:
        """Raise one ``DataFileError`` line for the ``(path, reason)`` pairs, if any."""
        if not unreadable:
            return
        path, reason = unreadable[0]
        todo = (f'replace {"it" if len(unreadable) == 1 else "them"} (re-download or '
                're-extract the dataset), or drop the samples from the pair list '
                f'(ann_file); {FULL_CHECK_HINT}')
        if len(unreadable) == 1:
            raise DataFileError(path, f'{reason}; {todo}')
        listed = '; '.join(f'{p} ({r})' for p, r in unreadable[1:MAX_LISTED_UNREADABLE])
        more = len(unreadable) - MAX_LISTED_UNREADABLE
        suffix = f' ... and {more} more' if more > 0 else ''
        raise DataFileError(path, f'{reason}; {len(unreadable)} unreadable data files in '
                            f'all, also {listed}{suffix}; {todo}')
