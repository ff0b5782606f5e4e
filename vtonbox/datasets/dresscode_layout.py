"""The DressCode folder layout: which file of each modality belongs to a sample.
Layout facts and label sets: docs/user_guides/dataset_prepare.md, section "DressCode".

One folder per garment category, persons and garments side by side::

    <root>/<category>/images/<id>_0.jpg       person
    <root>/<category>/images/<id>_1.jpg       garment (in-shop)
    <root>/<category>/keypoints/<id>_2.json   18 keypoints in a 384 x 512 frame
    <root>/<category>/label_maps/<id>_4.png   ATR 18-class ids
    <root>/<category>/dense/<id>_5.png        DensePose part ids (0..24)
    <root>/<category>/cloth_mask/<id>_1.png   garment mask: not shipped, made once by
                                              tools/dataset/make_cloth_masks.py
    <root>/<category>/train_pairs.txt, test_pairs_paired.txt, test_pairs_unpaired.txt

Pair lines are ``<id>_0.jpg <id>_1.jpg`` (person, garment); the other files of a sample
are found from the ``<id>`` of the person (person side) or of the garment (mask).
"""
import os.path as osp
from typing import Dict, List, Optional, Sequence, Tuple, Union

from .labels import CATEGORIES
from .readers import FileFormat
from .viton_layout import CLOTH_MODALITIES, PAIR_MODES, is_paired_by_name, path_key, read_pair_list

SPLITS = ('train', 'test')
#: ``category='all'`` reads every category folder.
ALL_CATEGORIES = 'all'
#: Modality -> folder inside a category folder.
FOLDERS = dict(person='images', cloth='images', cloth_mask='cloth_mask', parsing='label_maps',
               pose='keypoints', densepose='dense')
#: Modality -> file name ending after ``<id>``.
SUFFIXES = dict(person='_0.jpg', cloth='_1.jpg', cloth_mask='_1.png', parsing='_4.png',
                pose='_2.json', densepose='_5.png')
#: Pair lists of a category folder.
TRAIN_PAIRS = 'train_pairs.txt'
TEST_PAIRS = dict(paired='test_pairs_paired.txt', unpaired='test_pairs_unpaired.txt')
LABEL_SET = 'atr'
POSE_FORMAT = 'dresscode'
#: Modality -> how it is stored (header kind and checker decoder).
MODALITY_FORMATS = dict(person=FileFormat('image', 'image'), cloth=FileFormat('image', 'image'),
                        cloth_mask=FileFormat('image', 'mask'),
                        parsing=FileFormat('label_map', 'parsing'),
                        pose=FileFormat('json', POSE_FORMAT),
                        densepose=FileFormat('label_map', 'densepose'))
MODALITY_FILE_KINDS = {m: fmt.kind for m, fmt in MODALITY_FORMATS.items()}
#: What to do when a modality's folder is missing.
MISSING_FOLDER_HINTS = dict(
    cloth_mask='DressCode ships no garment masks: make them once with '
    'tools/dataset/make_cloth_masks.py DATA_ROOT')


def resolve_categories(category: Union[str, Sequence[str]]) -> Tuple[str, ...]:
    """``'all'``, one category or a list of them -> a tuple of category names."""
    names = CATEGORIES if category == ALL_CATEGORIES else \
        ((category, ) if isinstance(category, str) else tuple(category))
    bad = [c for c in names if c not in CATEGORIES]
    if bad or not names:
        raise ValueError(f'category must be {ALL_CATEGORIES!r} or among {CATEGORIES}, got '
                         f'{category!r}')
    return tuple(names)


def pair_files(split: str, mode: str = 'auto') -> Tuple[str, ...]:
    """Default pair lists of a category folder: ``train_pairs.txt`` for training; for the
    test split the paired list, or the unpaired one with ``mode='unpaired'``."""
    if split not in SPLITS:
        raise ValueError(f'split must be one of {SPLITS}, got {split!r}')
    if split == 'train':
        return (TRAIN_PAIRS, )
    return (TEST_PAIRS['unpaired' if mode == 'unpaired' else 'paired'], )


def sample_id(name: str, modality: str, where: str) -> str:
    """``<id>`` of a person or garment image name (``<id>_0.jpg`` / ``<id>_1.jpg``)."""
    suffix = SUFFIXES[modality]
    if not name.endswith(suffix) or len(name) == len(suffix):
        raise ValueError(f'{where}: {modality} {name!r} is not named <id>{suffix} (DressCode '
                         'pair lines are "<id>_0.jpg <id>_1.jpg")')
    return name[:-len(suffix)]


def category_samples(category_root: str, category: str, pair_list: str, mode: str,
                     folders: Dict[str, str]) -> List[dict]:
    """Samples of one pair list of one category folder (see ``build_samples``)."""
    samples = []
    for person_name, cloth_name in read_pair_list(pair_list):
        person_id = sample_id(person_name, 'person', pair_list)
        if mode == 'paired':
            cloth_name, paired = f'{person_id}{SUFFIXES["cloth"]}', True
        else:
            paired = mode == 'auto' and is_paired_by_name(person_name, cloth_name)
        cloth_id = sample_id(cloth_name, 'cloth', pair_list)
        sample = dict(person_name=person_name, cloth_name=cloth_name, paired=paired,
                      category=category)
        for modality, folder in folders.items():
            stem = cloth_id if modality in CLOTH_MODALITIES else person_id
            sample[path_key(modality)] = osp.join(category_root, folder,
                                                  stem + SUFFIXES[modality])
        samples.append(sample)
    return samples


def build_samples(data_root: str, category: Union[str, Sequence[str]] = 'all',
                  split: str = 'train', mode: str = 'auto',
                  folders: Optional[Dict[str, str]] = None,
                  pair_lists: Optional[Sequence[str]] = None) -> List[dict]:
    """List the samples of the DressCode categories.

    Args:
        data_root (str): the DressCode root (holding the category folders).
        category (str | list[str]): ``'upper_body'``, ``'lower_body'``, ``'dresses'``,
            a list of them or ``'all'``.
        split (str): ``'train'`` or ``'test'`` (chooses the default pair lists).
        mode (str): ``'auto'`` (paired when the ids match), ``'paired'`` (every person
            with their own garment) or ``'unpaired'`` (as listed; never paired).
        folders (dict, optional): modality -> folder in a category folder; None uses
            ``FOLDERS`` (every modality).
        pair_lists (list[str], optional): pair list names in each category folder; None
            uses ``pair_files(split, mode)``.

    Returns:
        list[dict]: per sample ``<modality>_path``, ``person_name``, ``cloth_name``,
        ``paired`` and ``category``; categories in ``CATEGORIES`` order.
    """
    if mode not in PAIR_MODES:
        raise ValueError(f'mode must be one of {PAIR_MODES}, got {mode!r}')
    folders = dict(FOLDERS if folders is None else folders)
    unknown = sorted(set(folders) - set(FOLDERS))
    if unknown:
        raise ValueError(f'unknown modalities {unknown} in folders; expected some of '
                         f'{list(FOLDERS)}')
    lists = tuple(pair_lists) if pair_lists else pair_files(split, mode)
    samples = []
    for name in resolve_categories(category):
        category_root = osp.join(data_root, name)
        if not osp.isdir(category_root):
            raise FileNotFoundError(f'category folder not found: {category_root}')
        for pair_list in lists:
            samples += category_samples(category_root, name, osp.join(category_root, pair_list),
                                        mode, folders)
    return samples


def garment_names(names: Sequence[str]) -> List[str]:
    """The garment images (``<id>_1.jpg``) among the file names of an ``images`` folder."""
    suffix = SUFFIXES['cloth']
    return sorted(n for n in names if n.endswith(suffix) and not n.startswith('.'))


def cloth_mask_name(garment_name: str) -> str:
    """Mask file name of a garment image (``<id>_1.jpg`` -> ``<id>_1.png``)."""
    return sample_id(garment_name, 'cloth', 'garment') + SUFFIXES['cloth_mask']
