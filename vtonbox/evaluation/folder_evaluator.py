"""Evaluate saved images of any method under vtonbox's protocol (``tools/eval_folders.py``).

* FID / KID: all images of ``real_dir`` vs. all images of ``fake_dir``, listed and read as
  pytorch-fid does (so FID equals ``python -m pytorch_fid REAL_DIR FAKE_DIR``).
* SSIM / PSNR / LPIPS: matched pairs, by equal file name in both folders or by a pairs
  file of ``fake_name real_name`` lines. Size policy: a pair whose images differ in size
  is an error (nothing is resized silently; LPIPS's optional resize applies to both images
  of a pair of equal size); FID/KID accept different sizes (Inception resizes every image
  to 299x299) but warn, since the resize changes the numbers.
* FID / KID from fewer than ``FID_MIN_IMAGES`` / ``KID_MIN_IMAGES`` images warn (the
  values are then biased / unreliable); the image counts go into the record.

Every input is checked (folders listed, pairs matched, pair sizes compared from the file
headers) before the first image is decoded, so a bad input fails in seconds, not after
the Inception pass.
"""
import os.path as osp
import warnings
from dataclasses import dataclass, field
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import numpy as np
from mmengine.utils import ProgressBar

from .errors import EvaluationFileNotFoundError, EvaluationInputError
from .feature_extractor import DEFAULT_BATCH_SIZE, InceptionFeatureExtractor
from .functional.fid import feature_statistics, frechet_distance
from .functional.kid import KID_NUM_SUBSETS, KID_SEED, KID_SUBSET_SIZE, kernel_inception_distance
from .functional.lpips import build_lpips_alex, lpips_distance, lpips_metric_key, lpips_provenance
from .functional.psnr import psnr
from .functional.ssim import SSIM_VARIANTS, ssim
from .image_io import image_size, list_images, load_rgb, read_pairs
from .inception_plan import image_counts, small_sample_warning
from .metrics.kid import KID_SCALE
from .real_statistics import load_or_compute_real_statistics
from .record import build_record

#: Metric names understood by :func:`evaluate_folders`.
FOLDER_METRICS = ('fid', 'kid', 'ssim', 'psnr', 'lpips')
#: What ``tools/eval_folders.py`` computes without ``--metrics`` (LPIPS only when asked).
DEFAULT_FOLDER_METRICS = ('fid', 'kid', 'ssim', 'psnr')
_INCEPTION_METRICS = ('fid', 'kid')
_PAIRED_METRICS = ('ssim', 'psnr', 'lpips')
_PAIRED_NAMES = 'SSIM, PSNR, LPIPS'


@dataclass
class FolderEvaluation:
    """Result of :func:`evaluate_folders`: metric values and what they were computed on."""

    metrics: Dict[str, float]
    num_real: int
    num_fake: int
    num_pairs: int
    image_size: Optional[Tuple[int, int]]
    image_format: str
    weights_path: Optional[str] = None
    ssim_variant: Optional[str] = None
    #: Warnings about the values (resized inputs, too few images), also in the record.
    notes: List[str] = field(default_factory=list)
    #: FID/KID name -> ``{'generated', 'real', 'min_reliable'}`` image counts.
    inception_images: Dict[str, Dict[str, int]] = field(default_factory=dict)
    #: LPIPS key -> its provenance (``lpips_provenance``), when LPIPS ran.
    lpips: Dict[str, dict] = field(default_factory=dict)


class EvaluationWarning(UserWarning):
    """A warning about evaluated values (resized inputs, too few images)."""


def _warn(message: str) -> None:
    warnings.warn(message, EvaluationWarning, stacklevel=3)


class _LazyProgress:
    """A ``ProgressBar`` that appears on the first update (none for cached statistics)."""

    def __init__(self, task_num: int, title: str, show: bool) -> None:
        self.task_num, self.title, self.show = task_num, title, show
        self.bar = None

    def update(self, num_tasks: int = 1) -> None:
        if not self.show:
            return
        if self.bar is None:
            print(self.title, flush=True)
            self.bar = ProgressBar(self.task_num)
        self.bar.update(num_tasks)


def match_pairs(real_dir: str, fake_dir: str, pairs_file: Optional[str] = None,
                warn: Callable[[str], None] = _warn) -> List[Tuple[str, str]]:
    """(fake_path, real_path) pairs, by equal file name or from ``pairs_file``.

    Raises:
        EvaluationFileNotFoundError: a folder, the pairs file or a file it names is missing.
        EvaluationInputError: no file name is in both folders (without ``pairs_file``).
    """
    if pairs_file is not None:
        pairs = [(osp.join(fake_dir, fake), osp.join(real_dir, real))
                 for fake, real in read_pairs(pairs_file)]
        missing = [p for pair in pairs for p in pair if not osp.isfile(p)]
        if missing:
            raise EvaluationFileNotFoundError(
                f'{len(missing)} files named in the pairs file are missing, e.g. {missing[0]}',
                pairs_file, 'each line is "fake_name real_name", relative to --fake and --real')
        return pairs
    real_names = {osp.basename(p) for p in list_images(real_dir)}
    fake_files = list_images(fake_dir)
    pairs = [(p, osp.join(real_dir, osp.basename(p))) for p in fake_files
             if osp.basename(p) in real_names]
    if not pairs:
        raise EvaluationInputError(
            'no file name is in both folders', f'{fake_dir}, {real_dir}',
            f'paired metrics ({_PAIRED_NAMES}) need matching names or a pairs file (--pairs)')
    if len(pairs) < len(fake_files):
        warn(f'{len(fake_files) - len(pairs)} of {len(fake_files)} generated images have no '
             f'same-named real image and are left out of {_PAIRED_NAMES}')
    return pairs


def _image_sizes(files: Sequence[str]) -> set:
    return {image_size(path) for path in files}


def _check_pair_sizes(pairs: Sequence[Tuple[str, str]]) -> None:
    """Fail on the first pair of different sizes, from the file headers."""
    for fake_path, real_path in pairs:
        fake_size, real_size = image_size(fake_path), image_size(real_path)
        if fake_size != real_size:
            raise EvaluationInputError(
                f'size mismatch: {fake_path} is {fake_size} but {real_path} is {real_size} '
                '(H, W)', fake_path,
                f'save outputs at the real image size (vtonbox does not resize for '
                f'{_PAIRED_NAMES})')


def _paired_scores(pairs, ssim_variant: Optional[str], want_psnr: bool,
                   show_progress: bool, lpips_model=None,
                   lpips_resize: Optional[Tuple[int, int]] = None) -> Dict[str, float]:
    """Mean SSIM (if ``ssim_variant``), PSNR (if ``want_psnr``) and LPIPS (if
    ``lpips_model``) over the pairs."""
    ssim_values, psnr_values, lpips_values = [], [], []
    names = [name for name, wanted in (('SSIM', ssim_variant), ('PSNR', want_psnr),
                                       ('LPIPS', lpips_model)) if wanted]
    progress = _LazyProgress(len(pairs), f'{"/".join(names)} on {len(pairs)} pairs',
                             show_progress)
    for fake_path, real_path in pairs:
        fake, real = load_rgb(fake_path), load_rgb(real_path)
        if fake.shape != real.shape:
            raise EvaluationInputError(
                f'size mismatch: {fake_path} is {fake.shape[:2]} but {real_path} is '
                f'{real.shape[:2]} (H, W)', fake_path,
                f'save outputs at the real image size (vtonbox does not resize for '
                f'{_PAIRED_NAMES})')
        if ssim_variant is not None:
            ssim_values.append(ssim(fake, real, ssim_variant))
        if want_psnr:
            psnr_values.append(psnr(fake, real))
        if lpips_model is not None:
            lpips_values.append(lpips_distance(lpips_model, fake, real, lpips_resize))
        progress.update()
    scores = {}
    if ssim_variant is not None:
        scores['SSIM' if ssim_variant == 'gray' else 'SSIM-RGB'] = float(np.mean(ssim_values))
    if want_psnr:
        scores['PSNR'] = float(np.mean(psnr_values))
    if lpips_model is not None:
        scores[lpips_metric_key(lpips_resize)] = float(np.mean(lpips_values))
    return scores


def evaluate_folders(real_dir: str, fake_dir: str,
                     metrics: Sequence[str] = DEFAULT_FOLDER_METRICS,
                     pairs_file: Optional[str] = None, inception_weights: Optional[str] = None,
                     batch_size: int = DEFAULT_BATCH_SIZE, device: str = 'cpu',
                     ssim_variant: str = 'gray', lpips_weights: Optional[str] = None,
                     lpips_resize: Optional[Sequence[int]] = None,
                     kid_num_subsets: int = KID_NUM_SUBSETS,
                     kid_subset_size: int = KID_SUBSET_SIZE, kid_seed: int = KID_SEED,
                     cache_dir: Optional[str] = None, use_cache: bool = True,
                     show_progress: bool = True,
                     warn: Callable[[str], None] = _warn) -> FolderEvaluation:
    """Compute the requested metrics on two image folders.

    Args:
        real_dir (str): real images (e.g. the 2,032 VITON test person photos).
        fake_dir (str): generated images.
        metrics (list[str]): subset of ``('fid', 'kid', 'ssim', 'psnr', 'lpips')``.
        pairs_file (str, optional): ``fake_name real_name`` lines for SSIM/PSNR/LPIPS.
        inception_weights (str, optional): FID Inception weights; None = torch hub cache.
        batch_size (int): Inception batch size.
        device (str): where Inception and LPIPS run.
        ssim_variant (str): ``'gray'`` (default protocol) or ``'rgb'``.
        lpips_weights (str, optional): LPIPS AlexNet file; None = torch hub cache.
        lpips_resize ((int, int), optional): (H, W) LPIPS resizes both images to (PIL
            bilinear, HR-VITON's ``(128, 128)``); None = full resolution.
        kid_num_subsets, kid_subset_size, kid_seed: KID subset sampling.
        cache_dir (str, optional): real-statistics cache folder; use_cache: use it.
        show_progress (bool): print progress bars.
        warn (callable): called with each warning about the values (default
            ``warnings.warn`` with :class:`EvaluationWarning`); they are also in ``notes``.

    Returns:
        FolderEvaluation: metric values (``FID``, ``KIDx1000``, ``KIDx1000_std``, ``SSIM``
        or ``SSIM-RGB``, ``PSNR``, ``LPIPS`` or ``LPIPS@HxW``) and counts.

    Raises:
        EvaluationFileNotFoundError: a folder, the pairs file or a weights file is missing.
        EvaluationInputError: unusable images, pairs or weights.
    """
    metrics = [m.lower() for m in metrics]
    unknown = sorted(set(metrics) - set(FOLDER_METRICS))
    if unknown or not metrics:
        raise ValueError(f'metrics must be a non-empty subset of {FOLDER_METRICS}, got {metrics}')
    if ssim_variant not in SSIM_VARIANTS:
        raise ValueError(f'ssim_variant must be one of {sorted(SSIM_VARIANTS)}, got '
                         f'{ssim_variant!r}')
    real_files, fake_files = list_images(real_dir), list_images(fake_dir)
    fake_sizes = _image_sizes(fake_files)
    pairs = None
    if any(m in metrics for m in _PAIRED_METRICS):  # all checks before the slow part
        pairs = match_pairs(real_dir, fake_dir, pairs_file, warn)
        _check_pair_sizes(pairs)
    result = FolderEvaluation(
        metrics={}, num_real=len(real_files), num_fake=len(fake_files), num_pairs=0,
        image_size=next(iter(fake_sizes)) if len(fake_sizes) == 1 else None,
        image_format=','.join(sorted({osp.splitext(p)[1][1:] for p in fake_files})))

    if any(m in metrics for m in _INCEPTION_METRICS):
        extractor = InceptionFeatureExtractor(inception_weights, batch_size)
        result.weights_path = extractor.weights_path
        real_sizes = _image_sizes(real_files)
        if real_sizes != fake_sizes:
            note = (f'real sizes {sorted(real_sizes)} differ from generated sizes '
                    f'{sorted(fake_sizes)}; Inception resizes all to 299x299, which changes FID')
            warn(note)
            result.notes.append(note)
        for name in (n.upper() for n in _INCEPTION_METRICS if n in metrics):
            result.inception_images[name] = image_counts(name, len(fake_files),
                                                         len(real_files))
            note = small_sample_warning(name, len(fake_files), len(real_files))
            if note:
                warn(note)
                result.notes.append(note)
        real = load_or_compute_real_statistics(
            real_files, extractor, cache_dir, use_cache, device,
            _LazyProgress(len(real_files), f'Inception features of {len(real_files)} real images',
                      show_progress))
        fake = extractor.file_features(
            fake_files, device,
            _LazyProgress(len(fake_files), f'Inception features of {len(fake_files)} generated '
                      'images', show_progress))
        if 'fid' in metrics:
            mu, sigma = feature_statistics(fake)
            result.metrics['FID'] = frechet_distance(mu, sigma, real.mu, real.sigma)
        if 'kid' in metrics:
            mean, std = kernel_inception_distance(real.features, fake, kid_num_subsets,
                                                  kid_subset_size, kid_seed)
            result.metrics['KIDx1000'] = mean * KID_SCALE
            result.metrics['KIDx1000_std'] = std * KID_SCALE

    if pairs is not None:
        result.num_pairs = len(pairs)
        result.ssim_variant = ssim_variant if 'ssim' in metrics else None
        lpips_model = None
        if 'lpips' in metrics:
            lpips_model = build_lpips_alex(lpips_weights, device)
            result.lpips[lpips_metric_key(lpips_resize)] = lpips_provenance(
                lpips_model.weights_path, lpips_resize)
        result.metrics.update(
            _paired_scores(pairs, result.ssim_variant, 'psnr' in metrics, show_progress,
                           lpips_model, lpips_resize))
    return result


def folder_record(evaluation: FolderEvaluation, real_dir: str, fake_dir: str,
                  pairs_file: Optional[str] = None,
                  skipped: Optional[Dict[str, str]] = None,
                  preset: Optional[dict] = None) -> dict:
    """The JSON record (see :func:`vtonbox.evaluation.record.build_record`) of a folder run.

    Args:
        skipped (dict, optional): metrics not computed and why (e.g. from
            :func:`~vtonbox.evaluation.inception_plan.plan_inception_metrics`).
        preset (dict, optional): the evaluation protocol used
            (:meth:`~vtonbox.evaluation.protocols.EvaluationProtocol.record_entry` plus its
            ``setting``), recorded as ``protocol.preset``.
    """
    extra = dict(real_dir=osp.abspath(real_dir), fake_dir=osp.abspath(fake_dir),
                 num_real_images=evaluation.num_real, num_pairs=evaluation.num_pairs)
    if preset is not None:
        extra['preset'] = preset
    return build_record(
        evaluation.metrics, dataset_root=osp.abspath(real_dir), split='folders',
        num_images=evaluation.num_fake, pair_list=pairs_file,
        fid_weights=evaluation.weights_path, ssim_variant=evaluation.ssim_variant,
        image_size=evaluation.image_size, image_format=evaluation.image_format,
        extra=extra, skipped=skipped, inception_images=evaluation.inception_images,
        warnings=evaluation.notes, lpips=evaluation.lpips or None)
