"""Synthetic VITON-format dataset: the project's embedded data for demos, tests and CPU runs.

Each sample is a procedurally drawn person (head, hair, neck, arms in varied poses,
pants / shorts / skirt, varied skin, hair and background colours) wearing a T-shirt
that is a thin-plate-spline warp of its own product cloth image (stripes, checks, dots,
printed logo / text or solid). All modalities are written in the upstream layout::

    {split}_img/X_0.jpg                person photo
    {split}_color/X_1.jpg              flat product cloth on white
    {split}_edge/X_1.jpg               its mask
    {split}_label/X_0.png              parsing (VITON 14-class ids; upper clothes = 4 exactly
                                       on the visible garment pixels)
    {split}_pose/X_0_keypoints.json    OpenPose-18 (``pose_keypoints``)
    {split}_densepose/X_0.npy          DensePose part ids (uint8, 0..24)
    train_pairs.txt, test_pairs.txt (unpaired: person i with the cloth of person i + 1),
    test_pairs_paired.txt

Every sample has its own RNG seeded by (seed, split, index): same seed -> identical
bytes, independent of how many samples are generated.
"""
import json
import os
import os.path as osp
import shutil
from typing import Callable, Dict, Iterable, NamedTuple, Optional

import numpy as np

from ...utils.image_io import write_image
from ..viton_layout import default_data_prefix
from .garment import Frame, make_product_cloth, warp_to_person
from .person import body_keypoints, garment_targets, random_body, render_person

SPLITS = ('train', 'test')
_SPLIT_CODES = dict(train=0, test=1)
#: Test sample names start here so that they never collide with training names.
TEST_NAME_OFFSET = 900000
MAX_SAMPLES_PER_SPLIT = TEST_NAME_OFFSET
JPEG_QUALITY = 95
MIN_SIZE = 32
PROGRESS_STEPS = 10
PROGRESS_MIN_SAMPLES = 100
KEYPOINT_DECIMALS = 2


class SyntheticSample(NamedTuple):
    """All arrays of one synthetic sample (RGB images, output pixels)."""
    person: np.ndarray         # (H, W, 3) uint8
    cloth: np.ndarray          # (H, W, 3) uint8
    cloth_mask: np.ndarray     # (H, W) uint8 {0, 255}
    parsing: np.ndarray        # (H, W) uint8 ids
    densepose: np.ndarray      # (H, W) uint8 ids
    keypoints: np.ndarray      # (18, 3) float32
    warped_cloth: np.ndarray   # (H, W, 3) uint8: the product cloth warped onto the person
    warped_mask: np.ndarray    # (H, W) bool: the warped cloth mask (before occlusion)
    garment_mask: np.ndarray   # (H, W) bool: visible garment pixels (== parsing 4)


def render_sample(seed: int, split: str, index: int, height: int = 256,
                  width: int = 192, stream: int = 0) -> SyntheticSample:
    """Render one sample in memory (what ``make_synthetic_viton`` writes).

    ``stream`` > 0 draws from another independent sequence of samples (the DressCode
    writer uses one per category); 0 is the VITON sequence.
    """
    if split not in _SPLIT_CODES:
        raise ValueError(f'split must be one of {SPLITS}, got {split!r}')
    if height < MIN_SIZE or width < MIN_SIZE:
        raise ValueError(f'height and width must be >= {MIN_SIZE}, got {height}x{width}')
    key = [int(seed), _SPLIT_CODES[split], int(index)] + ([int(stream)] if stream else [])
    rng = np.random.default_rng(key)
    frame = Frame(int(height), int(width))
    cloth, mask, shape = make_product_cloth(rng, frame)
    body = random_body(rng)
    person_pts, cloth_pts, _ = garment_targets(rng, body, shape, frame)
    warped, warped_mask = warp_to_person(cloth, mask, person_pts, cloth_pts, frame)
    person, parsing, densepose, garment = render_person(rng, body, warped, warped_mask, frame)
    return SyntheticSample(person, cloth, mask, parsing, densepose, body_keypoints(body, frame),
                           warped, warped_mask, garment)


def _write_pose(path: str, keypoints: np.ndarray) -> None:
    values = [round(float(v), KEYPOINT_DECIMALS) for v in keypoints.reshape(-1)]
    with open(path, 'w', encoding='utf-8') as f:
        json.dump(dict(version=1.0, people=[dict(pose_keypoints=values)]), f)


def write_sample(folders: Dict[str, str], stem: str, sample: SyntheticSample) -> None:
    """Write one sample's files into the modality folders (``default_data_prefix`` keys)."""
    write_image(osp.join(folders['person'], f'{stem}_0.jpg'), sample.person, JPEG_QUALITY)
    write_image(osp.join(folders['cloth'], f'{stem}_1.jpg'), sample.cloth, JPEG_QUALITY)
    write_image(osp.join(folders['cloth_mask'], f'{stem}_1.jpg'), sample.cloth_mask,
                JPEG_QUALITY)
    write_image(osp.join(folders['parsing'], f'{stem}_0.png'), sample.parsing)
    _write_pose(osp.join(folders['pose'], f'{stem}_0_keypoints.json'), sample.keypoints)
    np.save(osp.join(folders['densepose'], f'{stem}_0.npy'), sample.densepose)


def _write_pairs(path: str, stems, cloth_stems) -> None:
    with open(path, 'w', encoding='utf-8') as f:
        f.writelines(f'{p}_0.jpg {c}_1.jpg\n' for p, c in zip(stems, cloth_stems))


def prepare_folders(folders: Iterable[str], overwrite: bool) -> None:
    """Create empty folders; a non-empty one raises ``FileExistsError`` unless
    ``overwrite`` (then it is emptied)."""
    for folder in folders:
        if osp.isdir(folder) and os.listdir(folder):
            if not overwrite:
                raise FileExistsError(f'{folder} is not empty; pass overwrite=True '
                                      '(--overwrite) to replace the synthetic data')
            shutil.rmtree(folder)
        os.makedirs(folder, exist_ok=True)


def _prepare_folders(out_dir: str, split: str, overwrite: bool) -> Dict[str, str]:
    folders = {m: osp.join(out_dir, name) for m, name in default_data_prefix(split).items()}
    prepare_folders(folders.values(), overwrite)
    return folders


def check_counts(num_train: int, num_test: int) -> Dict[str, int]:
    """``dict(train=..., test=...)``, each in [0, MAX_SAMPLES_PER_SPLIT)."""
    counts = dict(train=int(num_train), test=int(num_test))
    for split, count in counts.items():
        if not 0 <= count < MAX_SAMPLES_PER_SPLIT:
            raise ValueError(f'num_{split} must be in [0, {MAX_SAMPLES_PER_SPLIT}), got {count}')
    return counts


def sample_stems(counts: Dict[str, int]) -> Dict[str, list]:
    """Split -> sample stems (``000000``..., test ones from ``TEST_NAME_OFFSET``)."""
    offsets = dict(train=0, test=TEST_NAME_OFFSET)
    return {split: [f'{offsets[split] + i:06d}' for i in range(counts[split])]
            for split in SPLITS}


def make_synthetic_viton(out_dir: str, num_train: int = 64, num_test: int = 16, seed: int = 0,
                         height: int = 256, width: int = 192, overwrite: bool = False,
                         log: Optional[Callable[[str], None]] = None) -> Dict[str, str]:
    """Generate a synthetic VITON-format dataset.

    Args:
        out_dir (str): dataset root (created).
        num_train, num_test (int): samples per split (>= 0).
        seed (int): dataset seed; same seed and sizes -> identical files.
        height, width (int): image size on disk (any size >= 32).
        overwrite (bool): replace the split folders when they are not empty.
        log (callable, optional): progress printer, used for >= 100 samples.

    Returns:
        dict: paths of the pair lists (``train_pairs``, ``test_pairs``,
        ``test_pairs_paired``).
    """
    counts = check_counts(num_train, num_test)
    os.makedirs(out_dir, exist_ok=True)
    total, done = sum(counts.values()), 0
    every = max(1, total // PROGRESS_STEPS)
    stems = sample_stems(counts)
    for split in SPLITS:
        folders = _prepare_folders(out_dir, split, overwrite)
        for index, stem in enumerate(stems[split]):
            write_sample(folders, stem, render_sample(seed, split, index, height, width))
            done += 1
            if log is not None and total >= PROGRESS_MIN_SAMPLES and done % every == 0:
                log(f'synthetic VITON: {done}/{total} samples written')
    paths = dict(train_pairs=osp.join(out_dir, 'train_pairs.txt'),
                 test_pairs=osp.join(out_dir, 'test_pairs.txt'),
                 test_pairs_paired=osp.join(out_dir, 'test_pairs_paired.txt'))
    _write_pairs(paths['train_pairs'], stems['train'], stems['train'])
    test = stems['test']
    _write_pairs(paths['test_pairs'], test, test[1:] + test[:1])
    _write_pairs(paths['test_pairs_paired'], test, test)
    return paths
