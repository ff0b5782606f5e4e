"""Dataset checker: read every file of every sample and report each problem.

Used by ``tools/dataset/check_dataset.py``. Checks: files present for every modality,
headers valid (``readers.check_header``, the datasets' start-up check, so both name a
bad file the same way), images decodable (truncated JPEGs included), sizes consistent
(person / parsing / DensePose, cloth / mask), masks binary-ish and not empty, label ids
in range, pose JSON parseable, pair-list names resolvable, and listing pairs that look
misaligned.
"""
import os.path as osp
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import numpy as np

from .labels import NUM_DENSEPOSE_CLASSES, NUM_PARSING_CLASSES
from .readers import (
    DataFileError,
    check_header,
    read_densepose,
    read_gray,
    read_image,
    read_label_map,
    read_pose_keypoints,
)
from .viton_layout import (
    CORE_MODALITIES,
    MODALITY_FILE_KINDS,
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
               num_densepose_classes: int = NUM_DENSEPOSE_CLASSES
               ) -> Tuple[Optional[Tuple[int, int]], Optional[str]]:
    """Read and check one file; returns ((h, w) or None, problem reason or None)."""
    if modality not in MODALITY_FILE_KINDS:
        raise ValueError(f'unknown modality {modality!r}')
    try:
        check_header(path, MODALITY_FILE_KINDS[modality])
        if modality in ('person', 'cloth'):
            return read_image(path).shape[:2], None
        if modality == 'cloth_mask':
            mask = read_gray(path)
            return mask.shape[:2], _check_mask(mask)
        if modality == 'parsing':
            return read_label_map(path, num_parsing_classes).shape[:2], None
        if modality == 'densepose':
            return read_densepose(path, num_densepose_classes).shape[:2], None
        if modality == 'pose':
            read_pose_keypoints(path)
            return None, None
    except DataFileError as err:
        return None, err.reason
    raise ValueError(f'unknown modality {modality!r}')


def _check_file_star(args):
    return check_file(*args)


def _resolve_prefix(data_root: str, split: str, data_prefix: Optional[Dict[str, str]],
                    notes: List[str]) -> Dict[str, str]:
    explicit = data_prefix is not None
    prefix = dict(data_prefix) if explicit else default_data_prefix(split)
    prefix = {m: p if osp.isabs(p) else osp.join(data_root, p) for m, p in prefix.items()}
    if explicit:
        return prefix
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


def check_dataset(data_root: str, split: str = 'train', ann_file: Optional[str] = None,
                  data_prefix: Optional[Dict[str, str]] = None,
                  num_parsing_classes: int = NUM_PARSING_CLASSES,
                  num_densepose_classes: int = NUM_DENSEPOSE_CLASSES, workers: int = 0,
                  log: Optional[Callable[[str], None]] = None) -> CheckReport:
    """Check every sample of a split.

    Args:
        data_root (str): dataset root.
        split (str): prefix of the default folders (``train`` / ``test``).
        ann_file (str, optional): pair list (relative to ``data_root`` or absolute);
            None pairs the sorted listings.
        data_prefix (dict, optional): modality -> folder. None: the upstream folders of
            the split; optional modalities (parsing, pose, densepose) whose folder does not
            exist are skipped with a note.
        num_parsing_classes, num_densepose_classes (int): id ranges.
        workers (int): processes for decoding (0 = in this process).
        log (callable, optional): progress printer (e.g. ``print``).

    Returns:
        CheckReport: ``ok`` when no problem was found.
    """
    notes: List[str] = []
    prefix = _resolve_prefix(data_root, split, data_prefix, notes)
    modalities = tuple(m for m in UPSTREAM_SUFFIXES if m in prefix)
    if ann_file and not osp.isabs(ann_file):
        ann_file = osp.join(data_root, ann_file)
    try:
        samples = build_samples(prefix, ann_file or None, 'auto')
    except (FileNotFoundError, ValueError) as err:
        return CheckReport(0, modalities, [Problem(ann_file or data_root, str(err))], notes)
    if not samples:
        return CheckReport(0, modalities, [Problem(ann_file or prefix['person'],
                                                   'no samples found')], notes)
    problems = [] if ann_file else _listing_alignment(samples)

    jobs = {}
    for sample in samples:
        for modality in modalities:
            path = sample[path_key(modality)]
            jobs.setdefault(path, (modality, path, num_parsing_classes, num_densepose_classes))
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
            if modality not in prefix or reference not in prefix:
                continue
            path, ref_path = sample[path_key(modality)], sample[path_key(reference)]
            size, ref_size = results[path][0], results[ref_path][0]
            if size is not None and ref_size is not None and size != ref_size:
                problems.append(Problem(path, f'size {size} differs from {reference} '
                                        f'{ref_path} {ref_size}'))
    return CheckReport(len(samples), modalities, list(dict.fromkeys(problems)), notes)

