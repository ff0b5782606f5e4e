"""Pair lists for batch try-on: ``person.jpg cloth.jpg`` lines resolved under a data root.

Each name is looked up as ``<data root>/<name>``, then in the folders of the known
test layouts (PF-AFN test package: ``test_img`` / ``test_clothes``; VITON-HD:
``image`` / ``cloth``). Masks are optional: with ``mask_dir`` (relative to the data
root unless absolute) every garment needs ``<mask_dir>/<garment name>`` or a file of
the same stem with another image extension (e.g. ``test_edge``, ``cloth-mask``).
"""
import os.path as osp
from typing import List, Optional, Sequence, Tuple

from vtonbox.datasets.viton_layout import IMAGE_EXTENSIONS, read_pair_list

from .errors import TryOnInputError

#: Folders searched after the data root itself.
PERSON_FOLDERS = ('test_img', 'image')
CLOTH_FOLDERS = ('test_clothes', 'cloth')
#: How many unresolved names an error lists.
MAX_LISTED_MISSING = 10


def locate(data_root: str, name: str, folders: Sequence[str]) -> Optional[str]:
    """First existing file among ``<root>/<name>`` and ``<root>/<folder>/<name>``."""
    for candidate in [osp.join(data_root, name)] + [osp.join(data_root, f, name)
                                                     for f in folders]:
        if osp.isfile(candidate):
            return candidate
    return None


def locate_mask(mask_dir: str, cloth_name: str) -> Optional[str]:
    """``<mask_dir>/<cloth name>``, else the same stem with an image extension."""
    exact = osp.join(mask_dir, cloth_name)
    if osp.isfile(exact):
        return exact
    stem = osp.splitext(cloth_name)[0]
    for ext in IMAGE_EXTENSIONS:
        candidate = osp.join(mask_dir, stem + ext)
        if osp.isfile(candidate):
            return candidate
    return None


def _missing_message(kind: str, names: List[str], where: str) -> str:
    listed = ', '.join(names[:MAX_LISTED_MISSING])
    more = len(names) - MAX_LISTED_MISSING
    return (f'{len(names)} {kind} of the pair list not found under {where}: {listed}'
            + (f', ... and {more} more' if more > 0 else ''))


def resolve_pair_list(pair_file: str, data_root: Optional[str] = None,
                      mask_dir: Optional[str] = None
                      ) -> Tuple[List[str], List[str], Optional[List[str]]]:
    """Read a pair list and find its files.

    Args:
        pair_file (str): ``person.jpg cloth.jpg`` per line (``#`` comments, blank lines).
        data_root (str, optional): folder the names are relative to; default the pair
            list's folder.
        mask_dir (str, optional): folder of the garment masks; None: no masks (the
            Inferencer's cloth-mask parser makes them).

    Returns:
        tuple: person paths, garment paths, and mask paths (or None).

    Raises:
        TryOnInputError: the list is missing, malformed or empty, or names files that
            do not exist (all of them are listed, up to ten).
    """
    try:
        pairs = read_pair_list(pair_file)
    except (FileNotFoundError, ValueError) as err:
        raise TryOnInputError(str(err)) from None
    if not pairs:
        raise TryOnInputError(f'pair list {pair_file} has no pairs')
    root = data_root if data_root is not None else osp.dirname(osp.abspath(pair_file))
    if not osp.isdir(root):
        raise TryOnInputError(f'data root not found: {root}')
    persons = [locate(root, p, PERSON_FOLDERS) for p, _ in pairs]
    cloths = [locate(root, c, CLOTH_FOLDERS) for _, c in pairs]
    for kind, found, names, folders in (('person images', persons, [p for p, _ in pairs],
                                         PERSON_FOLDERS),
                                        ('garment images', cloths, [c for _, c in pairs],
                                         CLOTH_FOLDERS)):
        missing = list(dict.fromkeys(n for n, f in zip(names, found) if f is None))
        if missing:
            raise TryOnInputError(_missing_message(
                kind, missing, f'{root} (nor its {" / ".join(folders)} folders)'))
    if mask_dir is None:
        return persons, cloths, None
    folder = mask_dir if osp.isabs(mask_dir) else osp.join(root, mask_dir)
    if not osp.isdir(folder):
        raise TryOnInputError(f'mask folder not found: {folder}')
    masks = [locate_mask(folder, osp.basename(c)) for _, c in pairs]
    missing = list(dict.fromkeys(osp.basename(c) for (_, c), m in zip(pairs, masks)
                                 if m is None))
    if missing:
        raise TryOnInputError(_missing_message('garment masks', missing, folder))
    return persons, cloths, masks

