"""Dataset checker: read every file of every sample and report each problem.

Used by ``tools/dataset/check_dataset.py``, for the VITON, VITON-HD and DressCode layouts
(``LAYOUTS``). Checks: folders and files present for every modality,
headers valid (``readers.check_header``, the datasets' start-up check, so both name a
bad file the same way), images decodable (truncated JPEGs included), sizes consistent
(person / parsing / DensePose, cloth / mask), masks binary-ish and not empty, label ids
in range, pose JSON parseable, pair-list names resolvable, and listing pairs that look
misaligned.
"""
import os.path as osp
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from typing import Callable, Dict, List, Optional, Sequence, Tuple, Union

import numpy as np

from . import dresscode_layout, viton_hd_layout
from .labels import (
    ATR_CLASSES,
    CIHP_CLASSES,
    NUM_DENSEPOSE_CLASSES,
    NUM_PARSING_CLASSES,
    POSE_FORMATS,
)
from .readers import (
    DataFileError,
    FileFormat,
    check_header,
    read_densepose,
    read_gray,
    read_image,
    read_keypoints,
    read_label_map,
)
from .viton_layout import (
    CORE_MODALITIES,
    MODALITY_FORMATS,
    UPSTREAM_SUFFIXES,
    build_samples,
    default_data_prefix,
    is_paired_by_name,
    path_key,
)

#: Grey levels strictly between these count as "not binary" in a mask.
MASK_LOW, MASK_HIGH = 32, 223
#: A mask fails when more than this fraction of its pixels is grey.
MAX_GRAY_FRACTION = 0.05
PROGRESS_EVERY = 2000
#: Modalities whose size must equal the reference (first) modality of the pair.
SIZE_RULES = (('parsing', 'person'), ('densepose', 'person'), ('cloth_mask', 'cloth'))
#: Layouts the checker knows (``tools/dataset/check_dataset.py --layout``).
LAYOUTS = ('viton', 'viton-hd', 'dresscode')
#: Parsing classes stored by each layout (CIHP for VITON-HD, ATR for DressCode).
LAYOUT_PARSING_CLASSES = {'viton': NUM_PARSING_CLASSES, 'viton-hd': len(CIHP_CLASSES),
                          'dresscode': len(ATR_CLASSES)}


@dataclass(frozen=True)
class Problem:
    """One problem: the file (or folder / pair list) and why."""
    path: str
    reason: str

    def __str__(self) -> str:
        return f'{self.path}: {self.reason}'


@dataclass
class CheckReport:
    """Outcome of ``check_dataset``."""
    num_samples: int
    modalities: Tuple[str, ...]
    problems: List[Problem] = field(default_factory=list)
    notes: List[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def summary(self) -> str:
        lines = [f'checked {self.num_samples} samples, modalities: {", ".join(self.modalities)}']
        lines += [f'note: {note}' for note in self.notes]
        if self.ok:
            lines.append('OK: no problems found')
        else:
            lines.append(f'FAILED: {len(self.problems)} problem(s)')
            lines += [f'  {problem}' for problem in self.problems]
        return '\n'.join(lines)


def _check_mask(mask: np.ndarray) -> Optional[str]:
    gray = np.count_nonzero((mask > MASK_LOW) & (mask < MASK_HIGH)) / mask.size
    if gray > MAX_GRAY_FRACTION:
        return (f'mask is not binary: {gray:.1%} of pixels are grey (values in '
                f'({MASK_LOW}, {MASK_HIGH}))')
    if not np.any(mask >= MASK_HIGH):
        return 'mask is empty (no foreground pixel)'
    return None


def check_file(modality: str, path: str,
               num_parsing_classes: int = NUM_PARSING_CLASSES,
               num_densepose_classes: int = NUM_DENSEPOSE_CLASSES,
               file_format: Optional[FileFormat] = None
               ) -> Tuple[Optional[Tuple[int, int]], Optional[str]]:
    """Read and check one file; returns ((h, w) or None, problem reason or None).

    ``file_format`` says how the layout stores the modality; None: the VITON format.
    """
    fmt = MODALITY_FORMATS.get(modality) if file_format is None else FileFormat(*file_format)
    if fmt is None:
        raise ValueError(f'unknown modality {modality!r}')
    try:
        check_header(path, fmt.kind)
        if fmt.decoder in ('image', 'densepose_rgb'):
            return read_image(path).shape[:2], None
        if fmt.decoder == 'mask':
            mask = read_gray(path)
            return mask.shape[:2], _check_mask(mask)
        if fmt.decoder == 'parsing':
            return read_label_map(path, num_parsing_classes).shape[:2], None
        if fmt.decoder == 'densepose':
            return read_densepose(path, num_densepose_classes).shape[:2], None
        if fmt.decoder in POSE_FORMATS:
            read_keypoints(path, fmt.decoder)
            return None, None
    except DataFileError as err:
        return None, err.reason
    raise ValueError(f'unknown decoder {fmt.decoder!r} for {modality!r}')


def _check_file_star(args):
    return check_file(*args)


def _resolve_prefix(data_root: str, default: Dict[str, str],
                    data_prefix: Optional[Dict[str, str]]) -> Tuple[Dict[str, str], bool]:
    explicit = data_prefix is not None
    prefix = dict(data_prefix) if explicit else dict(default)
    return {m: p if osp.isabs(p) else osp.join(data_root, p) for m, p in prefix.items()}, explicit


def _prune_optional(prefix: Dict[str, str], notes: List[str]) -> Dict[str, str]:
    """Drop the optional modalities whose folder does not exist (with a note)."""
    for modality in list(prefix):
        if modality not in CORE_MODALITIES and not osp.isdir(prefix[modality]):
            notes.append(f'skipped {modality}: folder {prefix[modality]} not found')
            del prefix[modality]
    return prefix


def _listing_alignment(samples: Sequence[dict]) -> List[Problem]:
    problems = []
    for sample in samples:
        person, cloth = sample['person_name'], sample['cloth_name']
        stems = osp.splitext(person)[0], osp.splitext(cloth)[0]
        if stems[0].endswith('_0') and stems[1].endswith('_1') and not is_paired_by_name(
                person, cloth):
            problems.append(Problem(sample['cloth_path'], f'the sorted listings pair it with '
                                    f'person {person}: person and cloth folders are misaligned'))
    return problems


def _join(data_root: str, path: Optional[str]) -> Optional[str]:
    return osp.join(data_root, path) if path and not osp.isabs(path) else path


def _plan_viton(data_root, split, ann_file, data_prefix, notes, **_):
    prefix, explicit = _resolve_prefix(data_root, default_data_prefix(split), data_prefix)
    if not explicit:
        prefix = _prune_optional(prefix, notes)
    ann_file = _join(data_root, ann_file)
    samples = build_samples(prefix, ann_file or None, 'auto')
    return samples, tuple(m for m in UPSTREAM_SUFFIXES if m in prefix), MODALITY_FORMATS, \
        ann_file or prefix['person']


def _plan_viton_hd(data_root, split, ann_file, data_prefix, notes, densepose_format, **_):
    default = viton_hd_layout.default_data_prefix(split, densepose_format)
    prefix, explicit = _resolve_prefix(data_root, default, data_prefix)
    if not explicit:
        prefix = _prune_optional(prefix, notes)
    ann_file = _join(data_root, ann_file or viton_hd_layout.pair_file(split))
    samples = viton_hd_layout.build_samples(prefix, ann_file, 'auto', densepose_format)
    return samples, tuple(m for m in UPSTREAM_SUFFIXES if m in prefix), \
        viton_hd_layout.file_formats(densepose_format), ann_file


def _plan_dresscode(data_root, split, ann_file, data_prefix, notes, category, **_):
    folders = dict(dresscode_layout.FOLDERS if data_prefix is None else data_prefix)
    categories = dresscode_layout.resolve_categories(category)
    if not data_prefix:
        for modality in list(folders):
            absent = [c for c in categories if not osp.isdir(
                osp.join(data_root, c, folders[modality]))]
            if modality not in CORE_MODALITIES and absent and osp.isdir(data_root):
                notes.append(f'skipped {modality}: folder {folders[modality]} not found in '
                             f'{", ".join(absent)}')
                del folders[modality]
    lists = (ann_file, ) if ann_file else (
        (dresscode_layout.TRAIN_PAIRS, ) if split == 'train' else
        tuple(dresscode_layout.TEST_PAIRS.values()))
    samples = dresscode_layout.build_samples(data_root, categories, split, 'auto', folders,
                                             lists)
    return samples, tuple(m for m in dresscode_layout.FOLDERS if m in folders), \
        dresscode_layout.MODALITY_FORMATS, data_root


_PLANS = {'viton': _plan_viton, 'viton-hd': _plan_viton_hd, 'dresscode': _plan_dresscode}
#: Layout -> modality -> what to do when its folder is missing.
_FOLDER_HINTS = {'dresscode': dresscode_layout.MISSING_FOLDER_HINTS}


def _missing_folder_problems(samples: Sequence[dict], modalities: Sequence[str],
                             hints: Dict[str, str]) -> Tuple[List[Problem], set]:
    """One problem per missing folder (instead of one per file), and those folders."""
    problems, missing = [], set()
    for modality in modalities:
        for folder in dict.fromkeys(osp.dirname(s[path_key(modality)]) for s in samples):
            if not osp.isdir(folder):
                missing.add(folder)
                hint = hints.get(modality, 'check the data root and the folder names')
                problems.append(Problem(folder, f'folder of {modality} not found: {hint}'))
    return problems, missing


def check_dataset(data_root: str, split: str = 'train', ann_file: Optional[str] = None,
                  data_prefix: Optional[Dict[str, str]] = None,
                  num_parsing_classes: Optional[int] = None,
                  num_densepose_classes: int = NUM_DENSEPOSE_CLASSES, workers: int = 0,
                  log: Optional[Callable[[str], None]] = None, layout: str = 'viton',
                  category: Union[str, Sequence[str]] = 'all',
                  densepose_format: str = 'rgb') -> CheckReport:
    """Check every sample of a split.

    Args:
        data_root (str): dataset root.
        split (str): ``train`` / ``test`` (VITON: prefix of the default folders).
        ann_file (str, optional): pair list (relative to ``data_root`` or absolute; for
            DressCode a name inside each category folder). None: VITON pairs the sorted
            listings, VITON-HD reads ``<split>_pairs.txt``, DressCode the split's lists
            (both test lists for ``test``).
        data_prefix (dict, optional): modality -> folder (DressCode: inside each category
            folder). None: the layout's folders; optional modalities (parsing, pose,
            densepose) whose folder does not exist are skipped with a note.
        num_parsing_classes (int, optional): parsing id range; None: the layout's label
            set (14 VITON, 20 CIHP, 18 ATR).
        num_densepose_classes (int): DensePose part id range.
        workers (int): processes for decoding (0 = in this process).
        log (callable, optional): progress printer (e.g. ``print``).
        layout (str): one of ``LAYOUTS``.
        category (str | list[str]): DressCode categories (``'all'`` or some of them).
        densepose_format (str): VITON-HD DensePose files: ``'rgb'`` or ``'parts'``.

    Returns:
        CheckReport: ``ok`` when no problem was found.
    """
    if layout not in LAYOUTS:
        raise ValueError(f'layout must be one of {LAYOUTS}, got {layout!r}')
    if num_parsing_classes is None:
        num_parsing_classes = LAYOUT_PARSING_CLASSES[layout]
    notes: List[str] = []
    try:
        samples, modalities, formats, source = _PLANS[layout](
            data_root, split, ann_file, data_prefix, notes, category=category,
            densepose_format=densepose_format)
    except (FileNotFoundError, ValueError) as err:
        return CheckReport(0, (), [Problem(_join(data_root, ann_file) or data_root,
                                           str(err))], notes)
    if not samples:
        return CheckReport(0, modalities, [Problem(source, 'no samples found')], notes)
    problems = _listing_alignment(samples) if layout == 'viton' and not ann_file else []
    folder_problems, missing_folders = _missing_folder_problems(
        samples, modalities, _FOLDER_HINTS.get(layout, {}))
    problems += folder_problems

    jobs = {}
    for sample in samples:
        for modality in modalities:
            path = sample[path_key(modality)]
            if osp.dirname(path) not in missing_folders:
                jobs.setdefault(path, (modality, path, num_parsing_classes,
                                       num_densepose_classes, tuple(formats[modality])))
    results: Dict[str, tuple] = {}
    job_list = list(jobs.values())
    if workers > 0:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            outputs = pool.map(_check_file_star, job_list, chunksize=64)
            for i, (job, out) in enumerate(zip(job_list, outputs), start=1):
                results[job[1]] = out
                if log and i % PROGRESS_EVERY == 0:
                    log(f'checked {i}/{len(job_list)} files')
    else:
        for i, job in enumerate(job_list, start=1):
            results[job[1]] = check_file(*job)
            if log and i % PROGRESS_EVERY == 0:
                log(f'checked {i}/{len(job_list)} files')

    for path, (_, reason) in results.items():
        if reason is not None:
            problems.append(Problem(path, reason))
    for sample in samples:
        for modality, reference in SIZE_RULES:
            if modality not in modalities or reference not in modalities:
                continue
            path, ref_path = sample[path_key(modality)], sample[path_key(reference)]
            if path not in results or ref_path not in results:
                continue
            size, ref_size = results[path][0], results[ref_path][0]
            if size is not None and ref_size is not None and size != ref_size:
                problems.append(Problem(path, f'size {size} differs from {reference} '
                                        f'{ref_path} {ref_size}'))
    return CheckReport(len(samples), modalities, list(dict.fromkeys(problems)), notes)
