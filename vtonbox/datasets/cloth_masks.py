"""Garment masks for DressCode, which ships none: made once, by ``ClothMaskParser``.

The masks are written next to the garments, ``<category>/cloth_mask/<id>_1.png``
({0, 255} PNG, lossless), where ``DressCodeDataset`` and the dataset checker read them
like any other cloth mask. Making them once (``tools/dataset/make_cloth_masks.py``)
rather than at every fetch keeps the dataloader fast: ``ClothMaskParser`` takes about
30 ms for a 512 x 384 garment and 130 ms at 1024 x 768 on one CPU core, twice per
training item (paired and unpaired garment).
"""
import os
import os.path as osp
from concurrent.futures import ProcessPoolExecutor
from typing import Callable, List, Optional, Sequence, Tuple, Union

from ..utils.image_io import write_image
from .dresscode_layout import FOLDERS, cloth_mask_name, garment_names, resolve_categories
from .readers import read_image

PROGRESS_EVERY = 500
_CHUNK = 16
_PARSER = None


def _parser():
    """One ``ClothMaskParser`` per process (defaults, no learning)."""
    global _PARSER
    if _PARSER is None:
        from vtonbox.models.parsers.cloth_mask import ClothMaskParser
        _PARSER = ClothMaskParser()
    return _PARSER


def write_cloth_mask(job: Tuple[str, str]) -> str:
    """Mask one garment image ``job[0]`` into ``job[1]``; returns the mask path."""
    garment, mask_path = job
    write_image(mask_path, _parser()(read_image(garment)))
    return mask_path


def cloth_mask_jobs(data_root: str, category: Union[str, Sequence[str]] = 'all',
                    overwrite: bool = False
                    ) -> List[Tuple[str, str]]:
    """``(garment image, mask path)`` for every garment of the categories whose mask is
    missing (every garment with ``overwrite``); creates the mask folders."""
    jobs = []
    for name in resolve_categories(category):
        images = osp.join(data_root, name, FOLDERS['cloth'])
        if not osp.isdir(images):
            raise FileNotFoundError(f'garment folder not found: {images}')
        masks = osp.join(data_root, name, FOLDERS['cloth_mask'])
        os.makedirs(masks, exist_ok=True)
        existing = set(os.listdir(masks))
        for garment in garment_names(os.listdir(images)):
            mask = cloth_mask_name(garment)
            if overwrite or mask not in existing:
                jobs.append((osp.join(images, garment), osp.join(masks, mask)))
    return jobs


def make_cloth_masks(data_root: str, category: Union[str, Sequence[str]] = 'all',
                     overwrite: bool = False,
                     workers: int = 0, log: Optional[Callable[[str], None]] = None
                     ) -> Sequence[str]:
    """Write the missing garment masks of a DressCode root.

    Args:
        data_root (str): the DressCode root (holding the category folders).
        category (str | list[str]): ``'all'`` or some of the categories.
        overwrite (bool): remake masks that exist.
        workers (int): processes (0 = this process).
        log (callable, optional): progress printer.

    Returns:
        list[str]: the masks written.
    """
    jobs = cloth_mask_jobs(data_root, category, overwrite)
    written = []
    if workers > 0 and len(jobs) > 1:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            for path in pool.map(write_cloth_mask, jobs, chunksize=_CHUNK):
                written.append(path)
                if log and len(written) % PROGRESS_EVERY == 0:
                    log(f'cloth masks: {len(written)}/{len(jobs)}')
        return written
    for job in jobs:
        written.append(write_cloth_mask(job))
        if log and len(written) % PROGRESS_EVERY == 0:
            log(f'cloth masks: {len(written)}/{len(jobs)}')
    return written
