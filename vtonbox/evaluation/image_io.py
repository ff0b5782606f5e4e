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

from .errors import EvaluationFileNotFoundError, EvaluationInputError

#: File extensions pytorch-fid lists (case-sensitive, as its glob is on POSIX).
IMAGE_EXTENSIONS = ('bmp', 'jpg', 'jpeg', 'pgm', 'png', 'ppm', 'tif', 'tiff', 'webp')


def list_images(folder: str) -> List[str]:
    """Image files directly inside ``folder``, in pytorch-fid's order.

    Raises:
        EvaluationFileNotFoundError: the folder does not exist.
        EvaluationInputError: it holds no image with one of ``IMAGE_EXTENSIONS``.
    """
    if not osp.isdir(folder):
        raise EvaluationFileNotFoundError('image folder not found', folder, 'check the path')
    path = pathlib.Path(folder)
    files = sorted(file for ext in IMAGE_EXTENSIONS for file in path.glob(f'*.{ext}'))
    if not files:
        raise EvaluationInputError(
            'no images in the folder', folder,
            f'put the images directly in it as *.{{{",".join(IMAGE_EXTENSIONS)}}} (lower case, '
            'as pytorch-fid lists them; subfolders are not searched)')
    return [str(file) for file in files]


def read_name_list(list_file: str) -> List[str]:
    """First whitespace-separated token of each non-empty, non-``#`` line, duplicates dropped.

    A VITON pair list (``person.jpg cloth.jpg`` per line) thus gives its person images.
    """
    if not osp.isfile(list_file):
        raise EvaluationFileNotFoundError('image list not found', list_file, 'check the path')
    names: List[str] = []
    with open(list_file) as f:
        for line in f:
            line = line.strip()
            if line and not line.startswith('#'):
                names.append(line.split()[0])
    if not names:
        raise EvaluationInputError('image list is empty', list_file,
                                   'list one image name per line')
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
        raise EvaluationInputError('real_list is empty', None, 'list at least one image')
    files = [osp.join(real_dir, name) for name in names]
    missing = [f for f in files if not osp.isfile(f)]
    if missing:
        raise EvaluationFileNotFoundError(
            f'{len(missing)} images of real_list are missing, e.g. {missing[0]}',
            real_list if isinstance(real_list, str) else None,
            f'check real_dir ({real_dir}) and the names')
    return files


def read_pairs(pairs_file: str) -> List[Tuple[str, str]]:
    """``fake_name real_name`` per line (``#`` comments and blank lines skipped)."""
    if not osp.isfile(pairs_file):
        raise EvaluationFileNotFoundError('pairs file not found', pairs_file, 'check the path')
    pairs = []
    with open(pairs_file) as f:
        for number, line in enumerate(f, 1):
            line = line.strip()
            if not line or line.startswith('#'):
                continue
            fields = line.split()
            if len(fields) != 2:
                raise EvaluationInputError(
                    f'line {number} is {line!r}, not "fake_name real_name"', pairs_file,
                    'write one pair of file names per line')
            pairs.append((fields[0], fields[1]))
    if not pairs:
        raise EvaluationInputError('pairs file has no pairs', pairs_file,
                                   'write one "fake_name real_name" line per pair')
    return pairs


def load_rgb(path: str) -> np.ndarray:
    """Read an image as pytorch-fid does (PIL, converted to RGB).

    Returns:
        np.ndarray: (H, W, 3) uint8.

    Raises:
        EvaluationInputError: the file is not an image PIL can decode.
    """
    try:
        with Image.open(path) as image:
            return np.array(image.convert('RGB'))
    except (OSError, SyntaxError, ValueError) as error:  # PIL's decoding errors
        if isinstance(error, FileNotFoundError):
            raise EvaluationFileNotFoundError('image not found', path, 'check the path') from None
        raise EvaluationInputError('cannot decode image', path,
                                   'replace or remove the file') from None


def image_size(path: str) -> Tuple[int, int]:
    """(H, W) of an image file from its header (nothing decoded).

    Raises:
        EvaluationInputError: the file is not an image PIL can read.
    """
    try:
        with Image.open(path) as image:
            return image.height, image.width
    except (OSError, SyntaxError, ValueError):
        raise EvaluationInputError('cannot read image', path,
                                   'replace or remove the file') from None
