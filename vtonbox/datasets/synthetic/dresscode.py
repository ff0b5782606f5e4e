"""Synthetic data in the DressCode layout (``vtonbox.datasets.dresscode_layout``).

The samples of ``render_sample`` (one independent sequence per category) written in
DressCode's own formats, per category folder::

    images/<id>_0.jpg, images/<id>_1.jpg    person, garment
    keypoints/<id>_2.json                   18 keypoints in the 384 x 512 frame
    label_maps/<id>_4.png                   ATR ids (grey PNG)
    dense/<id>_5.png                        DensePose part ids (grey PNG)
    cloth_mask/<id>_1.png                   garment mask, made by ClothMaskParser as
                                            tools/dataset/make_cloth_masks.py does
                                            (``cloth_masks=False``: the bare release)
    train_pairs.txt, test_pairs_paired.txt, test_pairs_unpaired.txt

The drawn people wear a T-shirt and bottoms. The try-on garment of each category is:
``upper_body`` the product T-shirt (a flat in-shop image); ``lower_body`` the bottoms,
and ``dresses`` T-shirt and bottoms together labelled as one dress (ATR 7), both cut
out of the person photo onto white (in place, not laid flat).
"""
import os
import os.path as osp
import shutil
from typing import Callable, Dict, Optional, Sequence, Tuple, Union

import numpy as np

from ...utils.image_io import write_image
from ..cloth_masks import make_cloth_masks
from ..dresscode_layout import FOLDERS, SUFFIXES, TEST_PAIRS, TRAIN_PAIRS, resolve_categories
from ..labels import ATR_CLASSES, CATEGORIES, PARSING_IDS
from .formats import region_on_white, relabel_table, write_dresscode_json
from .generator import (
    JPEG_QUALITY,
    PROGRESS_MIN_SAMPLES,
    PROGRESS_STEPS,
    SPLITS,
    SyntheticSample,
    check_counts,
    prepare_folders,
    render_sample,
    sample_stems,
)

#: Drawn VITON ids that make the try-on garment of a category (None: the product cloth).
GARMENT_IDS = dict(upper_body=None, lower_body=(PARSING_IDS['pants'], ),
                   dresses=(PARSING_IDS['upper_clothes'], PARSING_IDS['pants']))
_DRESS = ATR_CLASSES.index('dress')
_WRITTEN = ('person', 'pose', 'parsing', 'densepose')


def category_views(sample: SyntheticSample, category: str) -> Tuple[np.ndarray, np.ndarray]:
    """(garment image (H, W, 3) uint8, ATR label map (H, W) uint8) of a category."""
    labels = relabel_table('atr')[sample.parsing]
    ids = GARMENT_IDS[category]
    if ids is None:
        return sample.cloth, labels
    region = np.isin(sample.parsing, ids)
    if category == 'dresses':
        labels = np.where(region, np.uint8(_DRESS), labels)
    return region_on_white(sample.person, region), labels


def write_dresscode_sample(folders: Dict[str, str], sample_id: str, sample: SyntheticSample,
                           category: str) -> None:
    """Write one sample's files into the folders of its category."""
    garment, labels = category_views(sample, category)
    write_image(osp.join(folders['person'], sample_id + SUFFIXES['person']), sample.person,
                JPEG_QUALITY)
    write_image(osp.join(folders['cloth'], sample_id + SUFFIXES['cloth']), garment,
                JPEG_QUALITY)
    write_dresscode_json(osp.join(folders['pose'], sample_id + SUFFIXES['pose']),
                         sample.keypoints, sample.person.shape[:2])
    write_image(osp.join(folders['parsing'], sample_id + SUFFIXES['parsing']), labels)
    write_image(osp.join(folders['densepose'], sample_id + SUFFIXES['densepose']),
                sample.densepose)


def _write_pairs(path: str, persons, garments) -> None:
    with open(path, 'w', encoding='utf-8') as f:
        f.writelines(f'{p}{SUFFIXES["person"]} {g}{SUFFIXES["cloth"]}\n'
                     for p, g in zip(persons, garments))


def make_synthetic_dresscode(out_dir: str, num_train: int = 64, num_test: int = 16,
                             seed: int = 0, height: int = 1024, width: int = 768,
                             overwrite: bool = False,
                             log: Optional[Callable[[str], None]] = None,
                             category: Union[str, Sequence[str]] = 'all',
                             cloth_masks: bool = True) -> Dict[str, str]:
    """Generate a synthetic dataset in the DressCode layout, ``num_train`` + ``num_test``
    samples per category.

    Args:
        category (str | list[str]): categories to write (``'all'``: the three).
        cloth_masks (bool): also make the garment masks (``cloth_mask/``), as
            ``tools/dataset/make_cloth_masks.py`` would; False writes only what the
            DressCode release ships.
        Others: as ``make_synthetic_viton``.

    Returns:
        dict: ``<category>/<pair list>`` -> path of every pair list written.
    """
    counts = check_counts(num_train, num_test)
    categories = resolve_categories(category)
    os.makedirs(out_dir, exist_ok=True)
    stems = sample_stems(counts)
    total, done = sum(counts.values()) * len(categories), 0
    every = max(1, total // PROGRESS_STEPS)
    paths = {}
    for name in categories:
        code = CATEGORIES.index(name)
        root = osp.join(out_dir, name)
        folders = {m: osp.join(root, FOLDERS[m]) for m in _WRITTEN}
        folders['cloth'] = folders['person']
        mask_folder = osp.join(root, FOLDERS['cloth_mask'])
        prepare_folders(list(dict.fromkeys(folders.values())) + [mask_folder], overwrite)
        ids = {split: [f'{code}{stem}' for stem in stems[split]] for split in SPLITS}
        for split in SPLITS:
            for index, sample_id in enumerate(ids[split]):
                sample = render_sample(seed, split, index, height, width, stream=code)
                write_dresscode_sample(folders, sample_id, sample, name)
                done += 1
                if log is not None and total >= PROGRESS_MIN_SAMPLES and done % every == 0:
                    log(f'synthetic DressCode: {done}/{total} samples written')
        test = ids['test']
        lists = {TRAIN_PAIRS: (ids['train'], ids['train']),
                 TEST_PAIRS['paired']: (test, test),
                 TEST_PAIRS['unpaired']: (test, test[1:] + test[:1])}
        for list_name, (persons, garments) in lists.items():
            paths[f'{name}/{list_name}'] = osp.join(root, list_name)
            _write_pairs(paths[f'{name}/{list_name}'], persons, garments)
        if not cloth_masks:
            shutil.rmtree(mask_folder)
    if cloth_masks:
        make_cloth_masks(out_dir, categories)
    return paths

