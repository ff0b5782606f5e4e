"""The VITON-HD folder layout ("zalando-hd-resized"): which file of each modality
belongs to a sample. Layout facts and label sets: docs/user_guides/dataset_prepare.md,
section "VITON-HD".

::

    <root>/train_pairs.txt, test_pairs.txt     "person.jpg cloth.jpg" lines
    <root>/<split>/image/X.jpg                  person (e.g. 00000_00.jpg)
    <root>/<split>/cloth/Y.jpg                  in-shop cloth
    <root>/<split>/cloth-mask/Y.jpg             its mask (binarised at >= 128)
    <root>/<split>/image-parse-v3/X.png         CIHP 20-class ids (palette PNG)
    <root>/<split>/openpose_json/X_keypoints.json   OpenPose BODY_25
    <root>/<split>/image-densepose/X.jpg        RGB rendering of DensePose
    <root>/<split>/image-densepose-parts/X.png  part ids (not shipped, optional)

The paired setting pairs every person with their own cloth (the same name), the
unpaired one uses the pair list's second column.
"""
import os.path as osp
from typing import Dict, List, Optional

from .labels import DENSEPOSE_FORMATS
from .readers import FileFormat
from .viton_layout import (
    CLOTH_MODALITIES,
    PAIR_MODES,
    check_data_prefix,
    is_paired_by_name,
    path_key,
    read_pair_list,
)

SPLITS = ('train', 'test')
#: Modality -> folder inside the split folder.
FOLDERS = dict(person='image', cloth='cloth', cloth_mask='cloth-mask',
               parsing='image-parse-v3', pose='openpose_json', densepose='image-densepose')
#: Folder of DensePose part-index PNGs for ``densepose_format='parts'`` (not part of the
#: release: made by running DensePose, see the docs).
PARTS_DENSEPOSE_FOLDER = 'image-densepose-parts'
#: What VITON-HD stores: CIHP parsing, BODY_25 pose, tops only.
LABEL_SET = 'cihp'
POSE_FORMAT = 'body25'
CATEGORY = 'upper_body'


def _check_densepose_format(densepose_format: str) -> None:
    if densepose_format not in DENSEPOSE_FORMATS:
        raise ValueError(f'densepose_format must be one of {DENSEPOSE_FORMATS}, got '
                         f'{densepose_format!r}')


def default_data_prefix(split: str, densepose_format: str = 'rgb') -> Dict[str, str]:
    """Folder of every modality of a split, relative to the root (``'train/image'``)."""
    if split not in SPLITS:
        raise ValueError(f'split must be one of {SPLITS}, got {split!r}')
    _check_densepose_format(densepose_format)
    folders = dict(FOLDERS)
    if densepose_format == 'parts':
        folders['densepose'] = PARTS_DENSEPOSE_FOLDER
    return {modality: f'{split}/{folder}' for modality, folder in folders.items()}


def pair_file(split: str) -> str:
    """Pair list of a split, relative to the root."""
    return f'{split}_pairs.txt'


def person_file_name(modality: str, person_name: str, densepose_format: str = 'rgb') -> str:
    """File name of a person-side modality derived from the person image name."""
    stem = osp.splitext(person_name)[0]
    densepose_ext = '.jpg' if densepose_format == 'rgb' else '.png'
    names = dict(person=person_name, parsing=f'{stem}.png', pose=f'{stem}_keypoints.json',
                 densepose=f'{stem}{densepose_ext}')
    return names[modality]


def file_formats(densepose_format: str = 'rgb') -> Dict[str, FileFormat]:
    """Modality -> how it is stored (header kind and checker decoder)."""
    _check_densepose_format(densepose_format)
    densepose = FileFormat('image', 'densepose_rgb') if densepose_format == 'rgb' else \
        FileFormat('label_map', 'densepose')
    return dict(person=FileFormat('image', 'image'), cloth=FileFormat('image', 'image'),
                cloth_mask=FileFormat('image', 'mask'),
                parsing=FileFormat('label_map', 'parsing'),
                pose=FileFormat('json', POSE_FORMAT), densepose=densepose)


def file_kinds(densepose_format: str = 'rgb') -> Dict[str, str]:
    """Modality -> ``readers.check_header`` kind."""
    return {m: fmt.kind for m, fmt in file_formats(densepose_format).items()}


def build_samples(data_prefix: Dict[str, str], ann_file: Optional[str], mode: str = 'auto',
                  densepose_format: str = 'rgb') -> List[dict]:
    """List the samples of a VITON-HD pair list.

    Args:
        data_prefix (dict): modality -> folder (already joined with the root).
        ann_file (str): the pair list (``train_pairs.txt`` / ``test_pairs.txt``).
        mode (str): ``'auto'`` (paired when both names are equal), ``'paired'`` (every
            person with their own cloth, whatever the second column says) or
            ``'unpaired'`` (the second column; never paired).
        densepose_format (str): ``'rgb'`` (``.jpg`` renderings) or ``'parts'`` (``.png``).

    Returns:
        list[dict]: per sample ``<modality>_path``, ``person_name``, ``cloth_name``,
        ``paired`` and ``category`` (``'upper_body'``).
    """
    if mode not in PAIR_MODES:
        raise ValueError(f'mode must be one of {PAIR_MODES}, got {mode!r}')
    check_data_prefix(data_prefix)
    if not ann_file:
        raise ValueError('VITON-HD lists its samples in train_pairs.txt / test_pairs.txt: '
                         'ann_file must name one')
    samples = []
    for person_name, cloth_name in read_pair_list(ann_file):
        if mode == 'paired':
            cloth_name, paired = person_name, True
        else:
            paired = mode == 'auto' and is_paired_by_name(person_name, cloth_name)
        sample = dict(person_name=person_name, cloth_name=cloth_name, paired=paired,
                      category=CATEGORY)
        for modality, folder in data_prefix.items():
            name = cloth_name if modality in CLOTH_MODALITIES else \
                person_file_name(modality, person_name, densepose_format)
            sample[path_key(modality)] = osp.join(folder, name)
        samples.append(sample)
    return samples
