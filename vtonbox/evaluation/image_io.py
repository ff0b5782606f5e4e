"""Image files for evaluation, listed and read exactly as pytorch-fid does.

pytorch-fid lists ``sorted(glob('*.<ext>'))`` over a fixed set of lower-case extensions
and reads each file with ``PIL.Image.open(path).convert('RGB')``; using the same rules
makes vtonbox's FID equal to ``python -m pytorch_fid REAL_DIR FAKE_DIR``.
"""
import os.path as osp
import pathlib
from typing import List, Optional, Sequence, Tuple, Union

import numpy as np
from PIL import Image

#: File extensions pytorch-fid lists (case-sensitive, as its glob is on POSIX).
IMAGE_EXTENSIONS = ('bmp', 'jpg', 'jpeg', 'pgm', 'png', 'ppm', 'tif', 'tiff', 'webp')


def list_images(folder: str) -> List[str]:
    """Image files directly inside ``folder``, in pytorch-fid's order.

    Raises:
        FileNotFoundError: the folder does not exist.
        ValueError: it holds no image with one of ``IMAGE_EXTENSIONS``.
    """
    if not osp.isdir(folder):
        raise FileNotFoundError(f'image folder not found: {folder!r}')
    path = pathlib.Path(folder)
    files = sorted(file for ext in IMAGE_EXTENSIONS for file in path.glob(f'*.{ext}'))
    if not files:
        raise ValueError(f'no images in {folder!r} (looked for *.{{{",".join(IMAGE_EXTENSIONS)}}}, '
                         'lower case, as pytorch-fid does)')
    return [str(file) for file in files]


def read_name_list(list_file: str) -> List[str]:
    """First whitespace-separated token of each non-empty, non-``#`` line, duplicates dropped.

    A VITON pair list (``person.jpg cloth.jpg`` per line) thus gives its person images.
    """
    if not osp.isfile(list_file):
        raise FileNotFoundError(f'image list not found: {list_file!r}')
    names: List[str] = []
    with open(list_file) as f:
        for line in f:
            line = line.strip()
            if line and not line.startswith('#'):
                names.append(line.split()[0])
    if not names:
        raise ValueError(f'image list {list_file!r} is empty')
    return list(dict.fromkeys(names))


def real_image_files(real_dir: str,
                     real_list: Optional[Union[str, Sequence[str]]] = None) -> List[str]:
    """Real images of an FID/KID protocol: all of ``real_dir`` or the names in ``real_list``.

    Args:
        real_dir (str): folder of real images.
        real_list (str | list[str], optional): a list file (see :func:`read_name_list`)
            or file names; names are relative to ``real_dir``.

    Returns:
        list[str]: existing file paths.
    """
    if real_list is None:
        return list_images(real_dir)
    names = read_name_list(real_list) if isinstance(real_list, str) else list(real_list)
    if not names:
        raise ValueError('real_list is empty')
    files = [osp.join(real_dir, name) for name in names]
    missing = [f for f in files if not osp.isfile(f)]
    if missing:
        raise FileNotFoundError(f'{len(missing)} images of real_list are missing, e.g. '
                                f'{missing[0]!r}')
    return files


def read_pairs(pairs_file: str) -> List[Tuple[str, str]]:
    """``fake_name real_name`` per line (``#`` comments and blank lines skipped)."""
    if not osp.isfile(pairs_file):
        raise FileNotFoundError(f'pairs file not found: {pairs_file!r}')
    pairs = []
    with open(pairs_file) as f:
        for number, line in enumerate(f, 1):
            line = line.strip()
            if not line or line.startswith('#'):
                continue
            fields = line.split()
            if len(fields) != 2:
                raise ValueError(f'{pairs_file}:{number}: expected "fake_name real_name", '
                                 f'got {line!r}')
            pairs.append((fields[0], fields[1]))
    if not pairs:
        raise ValueError(f'pairs file {pairs_file!r} has no pairs')
    return pairs


def load_rgb(path: str) -> np.ndarray:
    """Read an image as pytorch-fid does (PIL, converted to RGB).

    Returns:
        np.ndarray: (H, W, 3) uint8.
    """
    with Image.open(path) as image:
        return np.array(image.convert('RGB'))
