"""Synthetic data in the VITON-HD layout (``vtonbox.datasets.viton_hd_layout``).

The samples of ``render_sample`` written in VITON-HD's own formats::

    train/ and test/:
        image/X_00.jpg                  person
        cloth/X_00.jpg, cloth-mask/X_00.jpg
        image-parse-v3/X_00.png         palette PNG of CIHP ids
        openpose_json/X_00_keypoints.json   BODY_25 (``pose_keypoints_2d``)
        image-densepose/X_00.jpg        RGB rendering of the DensePose parts
    train_pairs.txt (paired), test_pairs.txt (person i with the cloth of person i + 1)
"""
import os
import os.path as osp
from typing import Callable, Dict, Optional

from ...utils.image_io import write_image
from ..viton_hd_layout import FOLDERS, LABEL_SET, pair_file
from .formats import densepose_rendering, relabel_table, write_body25_json, write_palette_png
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

#: VITON-HD names end with ``_00`` (one photo per person).
NAME_SUFFIX = '_00'


def write_viton_hd_sample(folders: Dict[str, str], name: str, sample: SyntheticSample) -> None:
    """Write one sample's files (``name`` without extension, e.g. ``000000_00``)."""
    write_image(osp.join(folders['person'], f'{name}.jpg'), sample.person, JPEG_QUALITY)
    write_image(osp.join(folders['cloth'], f'{name}.jpg'), sample.cloth, JPEG_QUALITY)
    write_image(osp.join(folders['cloth_mask'], f'{name}.jpg'), sample.cloth_mask,
                JPEG_QUALITY)
    write_palette_png(osp.join(folders['parsing'], f'{name}.png'),
                      relabel_table(LABEL_SET)[sample.parsing])
    write_body25_json(osp.join(folders['pose'], f'{name}_keypoints.json'), sample.keypoints)
    write_image(osp.join(folders['densepose'], f'{name}.jpg'),
                densepose_rendering(sample.densepose), JPEG_QUALITY)


def _write_pairs(path: str, persons, cloths) -> None:
    with open(path, 'w', encoding='utf-8') as f:
        f.writelines(f'{p}.jpg {c}.jpg\n' for p, c in zip(persons, cloths))


def make_synthetic_viton_hd(out_dir: str, num_train: int = 64, num_test: int = 16,
                            seed: int = 0, height: int = 1024, width: int = 768,
                            overwrite: bool = False,
                            log: Optional[Callable[[str], None]] = None) -> Dict[str, str]:
    """Generate a synthetic dataset in the VITON-HD layout (same samples as
    ``make_synthetic_viton`` for the same seed and size).

    Returns:
        dict: paths of the pair lists (``train_pairs``, ``test_pairs``).
    """
    counts = check_counts(num_train, num_test)
    os.makedirs(out_dir, exist_ok=True)
    names = {split: [stem + NAME_SUFFIX for stem in stems]
             for split, stems in sample_stems(counts).items()}
    total, done = sum(counts.values()), 0
    every = max(1, total // PROGRESS_STEPS)
    for split in SPLITS:
        folders = {m: osp.join(out_dir, split, folder) for m, folder in FOLDERS.items()}
        prepare_folders(folders.values(), overwrite)
        for index, name in enumerate(names[split]):
            write_viton_hd_sample(folders, name, render_sample(seed, split, index, height, width))
            done += 1
            if log is not None and total >= PROGRESS_MIN_SAMPLES and done % every == 0:
                log(f'synthetic VITON-HD: {done}/{total} samples written')
    paths = {f'{split}_pairs': osp.join(out_dir, pair_file(split)) for split in SPLITS}
    _write_pairs(paths['train_pairs'], names['train'], names['train'])
    test = names['test']
    _write_pairs(paths['test_pairs'], test, test[1:] + test[:1])
    return paths
