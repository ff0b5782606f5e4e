"""The VITON folder layout: which file of each modality belongs to a sample.

Two ways to list samples (both used by the datasets and by the checker):

* **folder listing** (upstream training, ``aligned_dataset.py``): the sorted person
  images and the sorted cloth images are paired by index (``X_0.jpg`` with ``X_1.jpg``);
* **pair list** (VITON test protocol, ``test_pairs.txt``): one ``person.jpg cloth.jpg``
  pair per line.

Person-side files are found from the person image name, cloth-side files from the
cloth name (docs/user_guides/dataset_prepare.md, section 2)::

    person      <person folder>/X_0.jpg
    parsing     <parsing folder>/X_0.png
    pose        <pose folder>/X_0_keypoints.json
    densepose   <densepose folder>/X_0.npy
    cloth       <cloth folder>/Y_1.jpg
    cloth_mask  <cloth mask folder>/Y_1.jpg   (same name as the cloth)
"""
import os
import os.path as osp
from concurrent.futures import ThreadPoolExecutor
from typing import Dict, List, Optional, Sequence, Tuple

from .readers import DataFileError, FileFormat, MissingDataFileError, check_header

#: Modality -> folder suffix of the upstream layout (folder = f'{split}_{suffix}').
UPSTREAM_SUFFIXES = dict(person='img', cloth='color', cloth_mask='edge', parsing='label',
                         pose='pose', densepose='densepose')
PERSON_MODALITIES = ('person', 'parsing', 'pose', 'densepose')
CLOTH_MODALITIES = ('cloth', 'cloth_mask')
#: Modalities every sample needs.
CORE_MODALITIES = ('person', 'cloth', 'cloth_mask')
IMAGE_EXTENSIONS = ('.jpg', '.jpeg', '.png', '.bmp', '.webp')
PAIR_MODES = ('auto', 'paired', 'unpaired')
#: Modality -> how it is stored (``readers.FileFormat``: the ``check_header`` kind and
#: how the dataset checker decodes it).
MODALITY_FORMATS = dict(person=FileFormat('image', 'image'), cloth=FileFormat('image', 'image'),
                        cloth_mask=FileFormat('image', 'mask'),
                        parsing=FileFormat('label_map', 'parsing'),
                        pose=FileFormat('json', 'openpose18'),
                        densepose=FileFormat('npy', 'densepose'))
#: Modality -> file kind of ``readers.check_header`` (how its reader decodes it).
MODALITY_FILE_KINDS = {modality: fmt.kind for modality, fmt in MODALITY_FORMATS.items()}
#: Header checks run in threads (file-system latency, not CPU) above this many files.
THREADED_HEADER_CHECKS = 512
HEADER_CHECK_THREADS = 8
_HEADER_CHUNK = 256
_PATH_SUFFIX = '_path'
_PERSON_SUFFIX = '_0'
_CLOTH_SUFFIX = '_1'


def default_data_prefix(split: str) -> Dict[str, str]:
    """Upstream folder of every modality for a split, e.g. ``person='train_img'``."""
    return {modality: f'{split}_{suffix}' for modality, suffix in UPSTREAM_SUFFIXES.items()}


def path_key(modality: str) -> str:
    """Key of a modality's file path in a sample dict (``'person'`` -> ``'person_path'``)."""
    return f'{modality}_path'


def person_file_name(modality: str, person_name: str) -> str:
    """File name of a person-side modality derived from the person image name."""
    stem = osp.splitext(person_name)[0]
    names = dict(person=person_name, parsing=f'{stem}.png', pose=f'{stem}_keypoints.json',
                 densepose=f'{stem}.npy')
    return names[modality]


def list_images(folder: str) -> List[str]:
    """Sorted image file names in a folder."""
    if not osp.isdir(folder):
        raise FileNotFoundError(f'image folder not found: {folder}')
    return sorted(name for name in os.listdir(folder)
                  if name.lower().endswith(IMAGE_EXTENSIONS) and not name.startswith('.'))


def read_pair_list(path: str) -> List[Tuple[str, str]]:
    """Read ``person.jpg cloth.jpg`` lines (blank lines and ``#`` comments skipped)."""
    if not osp.isfile(path):
        raise FileNotFoundError(f'pair list not found: {path}')
    pairs = []
    with open(path, encoding='utf-8') as f:
        for line_no, line in enumerate(f, start=1):
            line = line.split('#', 1)[0].strip()
            if not line:
                continue
            fields = line.split()
            if len(fields) != 2:
                raise ValueError(f'{path}:{line_no}: expected "person.jpg cloth.jpg", got '
                                 f'{line!r}')
            pairs.append((fields[0], fields[1]))
    return pairs


def is_paired_by_name(person_name: str, cloth_name: str) -> bool:
    """Whether the person wears this cloth, judged by names.

    True for ``X_0.jpg`` with ``X_1.jpg`` (VITON) and for equal names (VITON-HD).
    """
    person_stem = osp.splitext(osp.basename(person_name))[0]
    cloth_stem = osp.splitext(osp.basename(cloth_name))[0]
    if person_stem == cloth_stem:
        return True
    return (person_stem.endswith(_PERSON_SUFFIX) and cloth_stem.endswith(_CLOTH_SUFFIX)
            and person_stem[:-len(_PERSON_SUFFIX)] == cloth_stem[:-len(_CLOTH_SUFFIX)])


def _listing_pairs(data_prefix: Dict[str, str], mode: str) -> List[Tuple[str, str]]:
    persons = list_images(data_prefix['person'])
    cloths = list_images(data_prefix['cloth'])
    if len(persons) != len(cloths):
        raise ValueError(f'{len(persons)} person images in {data_prefix["person"]} but '
                         f'{len(cloths)} cloth images in {data_prefix["cloth"]}: the folder '
                         'listing layout pairs them by sorted index, so the counts must match')
    if mode == 'unpaired' and len(cloths) > 1:
        # Deterministic unpaired layout: person i with the cloth of person i + 1.
        cloths = cloths[1:] + cloths[:1]
    return list(zip(persons, cloths))


def check_data_prefix(data_prefix: Dict[str, str]) -> None:
    """Raise ``ValueError`` on unknown modalities or a prefix without person / cloth."""
    unknown = set(data_prefix) - set(UPSTREAM_SUFFIXES)
    if unknown:
        raise ValueError(f'unknown modalities {sorted(unknown)} in data_prefix; expected some '
                         f'of {list(UPSTREAM_SUFFIXES)}')
    missing = [m for m in ('person', 'cloth') if m not in data_prefix]
    if missing:
        raise ValueError(f'data_prefix must name the folders of {missing}')


def build_samples(data_prefix: Dict[str, str], ann_file: Optional[str] = None,
                  mode: str = 'auto') -> List[dict]:
    """List the samples of a split.

    Args:
        data_prefix (dict): modality -> folder (already joined with the data root).
        ann_file (str, optional): pair list; if None, the folder listing pairs persons
            and cloths by sorted index.
        mode (str): ``'auto'`` (paired when the names say so; every listing pair is
            paired), ``'paired'`` (every pair is the person's own cloth) or
            ``'unpaired'`` (no pair is; a listing pairs person i with cloth i + 1).

    Returns:
        list[dict]: per sample ``<modality>_path`` for every modality in ``data_prefix``,
        ``person_name``, ``cloth_name`` and ``paired`` (bool).
    """
    if mode not in PAIR_MODES:
        raise ValueError(f'mode must be one of {PAIR_MODES}, got {mode!r}')
    check_data_prefix(data_prefix)
    if ann_file:
        pairs = read_pair_list(ann_file)
    else:
        pairs = _listing_pairs(data_prefix, mode)
    samples = []
    for person_name, cloth_name in pairs:
        if mode == 'auto':
            paired = True if not ann_file else is_paired_by_name(person_name, cloth_name)
        else:
            paired = mode == 'paired'
        sample = dict(person_name=person_name, cloth_name=cloth_name, paired=paired)
        for modality, folder in data_prefix.items():
            if modality in CLOTH_MODALITIES:
                name = cloth_name
            else:
                name = person_file_name(modality, person_name)
            sample[path_key(modality)] = osp.join(folder, name)
        samples.append(sample)
    return samples


def find_missing_folders(samples: Sequence[dict], keys: Sequence[str]) -> List[Tuple[str, str]]:
    """``(key, folder)`` for every folder of the files under ``keys`` that does not exist."""
    missing = []
    for key in keys:
        for folder in dict.fromkeys(osp.dirname(sample[key]) for sample in samples):
            if not osp.isdir(folder):
                missing.append((key, folder))
    return missing


def find_missing_files(samples: Sequence[dict], keys: Sequence[str]) -> List[str]:
    """Paths under ``keys`` of the samples that do not exist (one listing per folder)."""
    listings: Dict[str, set] = {}
    missing = []
    for sample in samples:
        for key in keys:
            path = sample[key]
            folder, name = osp.split(path)
            if folder not in listings:
                listings[folder] = set(os.listdir(folder)) if osp.isdir(folder) else set()
            if name not in listings[folder]:
                missing.append(path)
    return list(dict.fromkeys(missing))


def _header_problems(jobs: Sequence[Tuple[str, str]]) -> List[Tuple[str, str]]:
    problems = []
    for path, kind in jobs:
        try:
            check_header(path, kind)
        except MissingDataFileError:
            continue  # reported by find_missing_files
        except DataFileError as err:
            problems.append((path, ' '.join(str(err.reason).split())))
    return problems


def find_unreadable_files(samples: Sequence[dict], keys: Sequence[str],
                          threads: Optional[int] = None,
                          file_kinds: Optional[Dict[str, str]] = None) -> List[Tuple[str, str]]:
    """Files under ``keys`` that fail ``readers.check_header`` (no full decode).

    Empty files, files whose first bytes are not those of their modality's format
    (``MODALITY_FILE_KINDS``, e.g. a text file named ``.jpg``) and truncated JPEG / PNG
    are found; missing files are left to ``find_missing_files``.

    Args:
        samples (list[dict]): samples of ``build_samples``.
        keys (list[str]): ``<modality>_path`` keys to check.
        threads (int, optional): reading threads; None uses ``HEADER_CHECK_THREADS``
            above ``THREADED_HEADER_CHECKS`` files and one thread below.
        file_kinds (dict, optional): modality -> ``check_header`` kind of the layout;
            None uses the VITON kinds (``MODALITY_FILE_KINDS``).

    Returns:
        list[tuple[str, str]]: ``(path, reason)`` per bad file, in sample order.
    """
    file_kinds = MODALITY_FILE_KINDS if file_kinds is None else file_kinds
    kinds = {}
    for key in keys:
        modality = key[:-len(_PATH_SUFFIX)] if key.endswith(_PATH_SUFFIX) else None
        if modality not in file_kinds:
            raise KeyError(f'no file kind for {key!r}; expected <modality>_path with a '
                           f'modality among {list(file_kinds)}')
        kinds[key] = file_kinds[modality]
    jobs: Dict[str, str] = {}
    for sample in samples:
        for key in keys:
            jobs.setdefault(sample[key], kinds[key])
    items = list(jobs.items())
    if threads is None:
        threads = HEADER_CHECK_THREADS if len(items) > THREADED_HEADER_CHECKS else 1
    if threads <= 1:
        return _header_problems(items)
    chunks = [items[i:i + _HEADER_CHUNK] for i in range(0, len(items), _HEADER_CHUNK)]
    with ThreadPoolExecutor(max_workers=threads) as pool:
        return [problem for found in pool.map(_header_problems, chunks) for problem in found]
