"""The JSON record written with every evaluation: metric values plus their protocol.

Numbers are only comparable when the protocol is: which images (dataset root, split,
pair list hash, count, size, file format), which FID implementation and weights, which
SSIM variant, which LPIPS network, package version, resize and backbone weights, which
checkpoint. :func:`build_record` collects all of that;
``tools/test.py`` and ``tools/eval_folders.py`` both write it with :func:`write_record`.
With ``--protocol NAME`` both add ``protocol.preset``: the named evaluation protocol and
its settings (:meth:`vtonbox.evaluation.protocols.EvaluationProtocol.record_entry`).
"""
import datetime
import json
import math
import os
import os.path as osp
from typing import Any, Dict, Iterable, Optional, Sequence

import pytorch_fid

from vtonbox.utils.files import file_sha256
from vtonbox.version import __version__

from .functional.ssim import SSIM_VARIANTS
from .metrics.inception_metric import InceptionMetric
from .metrics.lpips_metric import LPIPS
from .metrics.ssim import SSIM

#: Version of the record layout; bump when keys change (2: ``skipped``, ``warnings``,
#: ``protocol.inception_images``; eval_folders' ``protocol.notes`` moved to ``warnings``).
RECORD_FORMAT_VERSION = 2


def fid_implementation() -> str:
    """e.g. ``'pytorch-fid 0.3.0 InceptionV3 pool3'``."""
    return f'pytorch-fid {pytorch_fid.__version__} InceptionV3 pool3'


def _optional_sha256(path: Optional[str], what: str) -> Optional[str]:
    if path is None:
        return None
    if not osp.isfile(path):
        raise FileNotFoundError(f'{what} not found: {path!r}')
    return file_sha256(path)


def _lpips_entry(provenance: Dict[str, Any]) -> Dict[str, Any]:
    """An LPIPS metric's provenance with its backbone file as name + sha256."""
    entry = {k: v for k, v in provenance.items() if k != 'weights_file'}
    weights = provenance.get('weights_file')
    entry['weights'] = osp.basename(weights) if weights else None
    entry['weights_sha256'] = _optional_sha256(weights, 'LPIPS AlexNet weights')
    return entry


def _json_number(value: Any) -> Any:
    """Python float for numbers; NaN/inf become strings (JSON has no such literals)."""
    if hasattr(value, 'item'):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    return value


def build_record(metrics: Dict[str, Any], *, dataset_root: str, split: str,
                 num_images: int, pair_list: Optional[str] = None,
                 fid_weights: Optional[str] = None, ssim_variant: Optional[str] = None,
                 image_size: Optional[Sequence[int]] = None, image_format: Optional[str] = None,
                 checkpoint: Optional[str] = None,
                 extra: Optional[Dict[str, Any]] = None,
                 skipped: Optional[Dict[str, str]] = None,
                 inception_images: Optional[Dict[str, Dict[str, int]]] = None,
                 warnings: Optional[Sequence[str]] = None,
                 lpips: Optional[Dict[str, Dict[str, Any]]] = None) -> Dict[str, Any]:
    """Metric values plus provenance, ready for ``json.dump``.

    Args:
        metrics (dict): metric name -> value (e.g. ``{'FID': 9.9, 'SSIM': 0.87}``).
        dataset_root (str): dataset root (or the real image folder).
        split (str): e.g. ``'test'``.
        num_images (int): number of generated images evaluated.
        pair_list (str, optional): pair list file; its sha256 is recorded.
        fid_weights (str, optional): Inception weights used for FID/KID; sha256 recorded.
            None when no Inception metric ran.
        ssim_variant (str, optional): ``'gray'`` or ``'rgb'`` when SSIM ran.
        image_size (tuple, optional): (H, W) of the evaluated images.
        image_format (str, optional): e.g. ``'png'``, ``'jpg'`` or ``'uint8 tensors'``.
        checkpoint (str, optional): model checkpoint; its sha256 is recorded.
        extra (dict, optional): further provenance entries (e.g. ``fake_dir``).
        skipped (dict, optional): metric name -> why it was not computed (e.g. FID
            without its Inception weights).
        inception_images (dict, optional): FID/KID name -> ``{'generated', 'real',
            'min_reliable'}`` image counts of its value.
        warnings (list[str], optional): warnings about the values (too few images,
            resized inputs).
        lpips (dict, optional): LPIPS metric key (``'LPIPS'``, ``'LPIPS@128x128'``) ->
            its ``provenance`` (:attr:`vtonbox.evaluation.metrics.LPIPS.provenance`:
            ``net``, ``heads_version``, ``implementation``, ``resize``, ``description``,
            ``weights_file``); recorded with the backbone file's name and sha256.

    Returns:
        dict: ``{'metrics': {...}, 'skipped': {...}, 'warnings': [...], 'protocol': {...},
        'vtonbox_version', 'checkpoint', 'checkpoint_sha256', 'date', 'record_format'}``.
    """
    if ssim_variant is not None and ssim_variant not in SSIM_VARIANTS:
        raise ValueError(f'ssim_variant must be one of {sorted(SSIM_VARIANTS)} or None, got '
                         f'{ssim_variant!r}')
    protocol = {
        'dataset_root': dataset_root,
        'split': split,
        'pair_list': pair_list,
        'pair_list_sha256': _optional_sha256(pair_list, 'pair list'),
        'num_images': int(num_images),
        'image_size': list(image_size) if image_size is not None else None,
        'image_format': image_format,
        'fid': None if fid_weights is None else {
            'implementation': fid_implementation(),
            'weights': osp.basename(fid_weights),
            'weights_sha256': _optional_sha256(fid_weights, 'FID Inception weights'),
        },
        'ssim': None if ssim_variant is None else {
            'variant': ssim_variant,
            'description': SSIM_VARIANTS[ssim_variant],
        },
        'inception_images': dict(inception_images or {}),
        'lpips': None if not lpips else {key: _lpips_entry(value)
                                         for key, value in lpips.items()},
    }
    protocol.update(extra or {})
    return {
        'metrics': {name: _json_number(value) for name, value in metrics.items()},
        'skipped': dict(skipped or {}),
        'warnings': list(warnings or []),
        'protocol': protocol,
        'vtonbox_version': __version__,
        'checkpoint': checkpoint,
        'checkpoint_sha256': _optional_sha256(checkpoint, 'checkpoint'),
        'date': datetime.datetime.now(datetime.timezone.utc).isoformat(timespec='seconds'),
        'record_format': RECORD_FORMAT_VERSION,
    }


def metric_provenance(metrics: Iterable[Any]) -> Dict[str, Optional[str]]:
    """``fid_weights`` and ``ssim_variant`` for :func:`build_record` from metric objects.

    Example (in a test script):
        >>> extra = metric_provenance(runner.test_evaluator.metrics)
        >>> record = build_record(values, dataset_root=..., split='test', num_images=n,
        ...                       **extra)

    Args:
        metrics: built metrics (e.g. ``runner.test_evaluator.metrics``); others are ignored.

    Returns:
        dict: ``fid_weights`` (weights file of the first FID/KID metric, or None) and
        ``ssim_variant`` (variant of the first SSIM metric, or None); plus ``lpips`` (metric
        key -> provenance) when there are LPIPS metrics.
    """
    metrics = list(metrics)
    inception = [m for m in metrics if isinstance(m, InceptionMetric)]
    ssim = [m for m in metrics if isinstance(m, SSIM)]
    provenance = dict(fid_weights=inception[0].weights_path if inception else None,
                      ssim_variant=ssim[0].variant if ssim else None)
    lpips = {m.metric_key: m.provenance for m in metrics if isinstance(m, LPIPS)}
    if lpips:
        provenance['lpips'] = lpips
    return provenance


def metric_outcomes(metrics: Iterable[Any]) -> Dict[str, Any]:
    """``inception_images`` and ``warnings`` for :func:`build_record` from metric objects
    that have computed (rank 0): the image counts of each FID/KID value and the warnings
    about too few images."""
    counts: Dict[str, Dict[str, int]] = {}
    warnings: list = []
    for metric in metrics:
        if isinstance(metric, InceptionMetric) and metric.image_counts is not None:
            counts.setdefault(metric.record_name, metric.image_counts)
            warnings += [w for w in metric.warnings if w not in warnings]
    return dict(inception_images=counts, warnings=warnings)


def write_record(record: Dict[str, Any], path: str) -> str:
    """Write ``record`` as indented JSON (creating parent folders); returns ``path``."""
    parent = osp.dirname(osp.abspath(path))
    os.makedirs(parent, exist_ok=True)
    with open(path, 'w') as f:
        json.dump(record, f, indent=2, sort_keys=False)
        f.write('\n')
    return path
