"""Shared fixtures of the evaluation tests: random-weight FID Inception and tiny folders."""
import numpy as np
import pytest
from PIL import Image

from vtonbox.evaluation.functional.inception import save_random_inception_weights

#: Images per folder: pytorch-fid needs >= 2; Inception at 299x299 is slow on CPU.
NUM_IMAGES = 3
IMAGE_SIZE = (64, 64)
#: KID subsets in the tests (few images, so subsets are near-permutations).
KID_SUBSETS = 10
#: Side of the random grid upsampled into a smooth "photo".
_COARSE = 8


def make_images(count: int, seed: int, noise: float = 0.0, size=IMAGE_SIZE) -> list:
    """Smooth random uint8 RGB images (H, W, 3), optionally with pixel noise."""
    rng = np.random.default_rng(seed)
    images = []
    for _ in range(count):
        coarse = rng.integers(0, 256, (_COARSE, _COARSE, 3), dtype=np.uint8)
        image = np.asarray(Image.fromarray(coarse).resize(size[::-1], Image.BILINEAR), np.float64)
        image += rng.normal(0, noise, image.shape) if noise else 0
        images.append(np.clip(np.round(image), 0, 255).astype(np.uint8))
    return images


def write_folder(folder, images, suffix='.png') -> list:
    """Save images as ``000000_0<suffix>`` ...; returns the names."""
    folder.mkdir(parents=True, exist_ok=True)
    names = []
    for index, image in enumerate(images):
        name = f'{index:06d}_0{suffix}'
        Image.fromarray(image).save(folder / name)
        names.append(name)
    return names


@pytest.fixture(scope='session')
def inception_weights(tmp_path_factory):
    """A randomly initialised FID Inception saved like the real weights file."""
    return str(save_random_inception_weights(
        str(tmp_path_factory.mktemp('inception') / 'random_inception.pth'), seed=0))


@pytest.fixture(scope='session')
def image_folders(tmp_path_factory):
    """(real_dir, fake_dir): same file names; fake = real of other seed + noise."""
    root = tmp_path_factory.mktemp('folders')
    write_folder(root / 'real', make_images(NUM_IMAGES, seed=1))
    write_folder(root / 'fake', make_images(NUM_IMAGES, seed=2, noise=20.0))
    return str(root / 'real'), str(root / 'fake')


@pytest.fixture(scope='session')
def folder_evaluation(inception_weights, image_folders, tmp_path_factory):
    """``evaluate_folders`` on the tiny folders (features computed, not memoised).

    Session-scoped: one FID costs a 2048x2048 matrix square root (seconds on CPU).
    """
    from vtonbox.evaluation import evaluate_folders
    from vtonbox.evaluation.feature_extractor import clear_feature_memo
    clear_feature_memo()
    return evaluate_folders(*image_folders, inception_weights=inception_weights,
                            kid_num_subsets=KID_SUBSETS, kid_subset_size=NUM_IMAGES,
                            cache_dir=str(tmp_path_factory.mktemp('fid_cache')),
                            show_progress=False)
