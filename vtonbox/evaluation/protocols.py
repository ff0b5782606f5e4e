"""Named evaluation protocols: which metrics, settings and pair lists make a vtonbox
number comparable with a published line of work.

A protocol (preset) fixes, per dataset,

* the metrics of the **paired** run (each person with their own garment, scored against
  their photo: SSIM, PSNR, LPIPS) and of the **unpaired** run (each person with another
  garment: FID, KID against the real test persons),
* the SSIM variant and the LPIPS resize,
* which pair list each run uses and which real images FID/KID compare with,
* which published numbers it is comparable with, and which not.

:func:`protocol_evaluators` turns a preset into MMEngine evaluator configs (lists of
metric dicts); ``tools/test.py --protocol NAME`` puts them in place of the config's
``val_evaluator`` (paired) and ``test_evaluator`` (unpaired), ``tools/eval_folders.py
--protocol NAME --setting paired|unpaired`` computes the same metrics on saved images,
and both write :meth:`EvaluationProtocol.record_entry` into the JSON record
(``protocol.preset``). The table and the reasons are in
``docs/user_guides/evaluation.md`` ("Protocols").

Configs written with ``_base_`` inheritance cannot import vtonbox (MMEngine refuses
non-builtin imports there), so a dataset config writes its evaluators literally; the
tests check that ``configs/_base_/datasets/viton.py`` uses the ``viton`` preset's metrics.
"""
from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence, Tuple

from mmengine.config import Config

from vtonbox.utils.cli import UserError

from .functional.lpips import HRVITON_LPIPS_SIZE, lpips_metric_key
from .functional.ssim import SSIM_VARIANTS

#: The two runs of a protocol (as named by ``tools/test.py --protocols``).
SETTINGS = ('paired', 'unpaired')
#: Metric names a preset may list, by the run they belong to.
PAIRED_METRIC_NAMES = ('SSIM', 'PSNR', 'LPIPS')
UNPAIRED_METRIC_NAMES = ('FID', 'KID')


@dataclass(frozen=True)
class EvaluationProtocol:
    """One named evaluation preset (data only; see the module docstring).

    Attributes:
        name (str): e.g. ``'viton-hd'`` (``--protocol NAME``).
        dataset (str): the dataset it is for.
        resolution (str): the usual evaluation size (informative: nothing is resized).
        paired_metrics (tuple[str]): of ``SSIM``, ``PSNR``, ``LPIPS`` (every preset lists
            them in this order, so ``val_evaluator.2`` is LPIPS in ``--cfg-options``).
        unpaired_metrics (tuple[str]): of ``FID``, ``KID``.
        ssim_variant (str): ``'gray'`` or ``'rgb'`` (see ``functional/ssim.py``).
        lpips_resize ((int, int), optional): (H, W) LPIPS resizes to; None = full size.
        paired_pairs (str): the pair list of the paired run.
        unpaired_pairs (str): the pair list of the unpaired run.
        real_images (str): what FID/KID compare the unpaired try-ons with.
        comparable_with (tuple[str]): published numbers measured the same way.
        not_comparable_with (tuple[str]): numbers that look alike but are not.
    """

    name: str
    dataset: str
    resolution: str
    paired_metrics: Tuple[str, ...]
    unpaired_metrics: Tuple[str, ...]
    ssim_variant: str
    lpips_resize: Optional[Tuple[int, int]]
    paired_pairs: str
    unpaired_pairs: str
    real_images: str
    comparable_with: Tuple[str, ...]
    not_comparable_with: Tuple[str, ...]

    def __post_init__(self) -> None:
        if not set(self.paired_metrics) <= set(PAIRED_METRIC_NAMES) or \
                not set(self.unpaired_metrics) <= set(UNPAIRED_METRIC_NAMES):
            raise ValueError(f'{self.name}: paired metrics must be of {PAIRED_METRIC_NAMES}, '
                             f'unpaired ones of {UNPAIRED_METRIC_NAMES}')
        if self.ssim_variant not in SSIM_VARIANTS:
            raise ValueError(f'{self.name}: ssim_variant must be one of {sorted(SSIM_VARIANTS)}')

    def metrics(self, setting: str) -> Tuple[str, ...]:
        """Metric names of the ``'paired'`` or ``'unpaired'`` run."""
        if setting not in SETTINGS:
            raise ValueError(f'setting must be one of {SETTINGS}, got {setting!r}')
        return self.paired_metrics if setting == 'paired' else self.unpaired_metrics

    def metric_keys(self, setting: str) -> Tuple[str, ...]:
        """The keys the run's values are reported under (e.g. ``SSIM-RGB``,
        ``LPIPS@128x128``, ``KIDx1000``)."""
        keys = {'SSIM': 'SSIM' if self.ssim_variant == 'gray' else 'SSIM-RGB', 'PSNR': 'PSNR',
                'LPIPS': lpips_metric_key(self.lpips_resize), 'FID': 'FID', 'KID': 'KIDx1000'}
        return tuple(keys[name] for name in self.metrics(setting))

    def evaluators(self, setting: str, inception_weights: Optional[str] = None,
                   lpips_weights: Optional[str] = None) -> List[dict]:
        """Metric configs of one run, e.g. ``[dict(type='SSIM', variant='gray'), ...]``.

        Args:
            setting (str): ``'paired'`` (a ``val_evaluator``) or ``'unpaired'``
                (a ``test_evaluator``).
            inception_weights (str, optional): FID/KID Inception file; None = hub cache.
            lpips_weights (str, optional): LPIPS AlexNet file; None = hub cache.

        FID/KID get ``real_dir=None``: the real set is the person photos of the evaluated
        (unpaired) samples, i.e. the test persons of the pair list, each once.
        """
        entries = []
        for name in self.metrics(setting):
            entry = dict(type=name)
            if name == 'SSIM':
                entry['variant'] = self.ssim_variant
            elif name == 'LPIPS':
                entry['resize'] = self.lpips_resize
                if lpips_weights is not None:
                    entry['backbone_weights'] = lpips_weights
            elif name in UNPAIRED_METRIC_NAMES and inception_weights is not None:
                entry['inception_weights'] = inception_weights
            entries.append(entry)
        return entries

    def record_entry(self) -> Dict:
        """The preset and its settings, for the JSON record (``protocol.preset``)."""
        return dict(
            name=self.name, dataset=self.dataset, resolution=self.resolution,
            paired_metrics=list(self.metric_keys('paired')),
            unpaired_metrics=list(self.metric_keys('unpaired')),
            ssim_variant=self.ssim_variant,
            lpips_resize=list(self.lpips_resize) if self.lpips_resize else None,
            paired_pairs=self.paired_pairs, unpaired_pairs=self.unpaired_pairs,
            real_images=self.real_images, comparable_with=list(self.comparable_with),
            not_comparable_with=list(self.not_comparable_with),
            evaluators={setting: [{k: list(v) if isinstance(v, tuple) else v
                                   for k, v in entry.items()}
                                  for entry in self.evaluators(setting)]
                        for setting in SETTINGS})


_PYTORCH_FID = ('FID/KID here are pytorch-fid Inception pool3 features (KID reported x1000 '
                'as KIDx1000)')
_CLEAN_FID = ('FID/KID computed with clean-fid (CatVTON, LaDI-VTON, OOTDiffusion): it '
              'resizes with PIL bicubic, so the same images get other values than with '
              'pytorch-fid')
_OTHER_SIZE = 'numbers evaluated at another resolution (256x192, 512x384 and 1024x768 differ)'
_RECENT_PAIRED = 'each test person with their own garment (test_pairs.txt persons, same id)'

#: Every preset, by name.
EVALUATION_PROTOCOLS: Dict[str, EvaluationProtocol] = {p.name: p for p in (
    EvaluationProtocol(
        name='viton', dataset='VITON', resolution='256x192',
        paired_metrics=('SSIM', 'PSNR', 'LPIPS'), unpaired_metrics=('FID', 'KID'),
        ssim_variant='gray', lpips_resize=None,
        paired_pairs='each test person with their own garment (PF-AFN test package: '
                     'test_img / test_clothes paired by index)',
        unpaired_pairs='cp-vton-plus test_pairs.txt (2,032 pairs)',
        real_images='the 2,032 real test person photos',
        comparable_with=(
            'PF-AFN FID 10.09 (paper; 9.92 for the model re-trained with the released code) '
            'and FS-VTON FID 8.89: pytorch-fid, 2,032 unpaired cp-vton-plus try-ons against '
            'the 2,032 test persons at 256x192. Upstream saved JPEG try-ons; for a '
            'like-for-like FID save JPEGs too and run tools/eval_folders.py on them',
            'SSIM of scripts that read the PNG/JPG files with PIL, convert them to grayscale '
            'and call scikit-image with a Gaussian window (the GAN-era convention)'),
        not_comparable_with=(
            'FID from clean-fid, torch-fidelity or TF fid.py (other resizing, sometimes other '
            'Inception weights)',
            'DM-VTON\'s VITON-Clean table (416 de-duplicated test pairs: DM-VTON 28.2, '
            'FS-VTON 26.5, PF-AFN 27.3)',
            'SSIM from pytorch-ssim (11x11 window on [0, 1] floats) or on RGB',
            'PSNR and LPIPS: extras here; the flow-method papers on VITON do not report '
            'them')),
    EvaluationProtocol(
        name='viton-hd', dataset='VITON-HD', resolution='512x384 (also 1024x768)',
        paired_metrics=('SSIM', 'PSNR', 'LPIPS'), unpaired_metrics=('FID', 'KID'),
        ssim_variant='rgb', lpips_resize=None,
        paired_pairs=_RECENT_PAIRED,
        unpaired_pairs='test_pairs.txt (2,032 pairs, garment of the second column)',
        real_images='the 2,032 real test person photos',
        comparable_with=(
            'other methods evaluated with this preset at the same resolution (their saved '
            'images through tools/eval_folders.py --protocol viton-hd)',
            'LPIPS of the recent line (AlexNet, v0.1 heads, full resolution, e.g. LaDI-VTON '
            'at 512x384 with torchmetrics): the same definition; vtonbox is checked against '
            'the lpips package, not against torchmetrics'),
        not_comparable_with=(
            _CLEAN_FID,
            'SSIM of the recent line (torchmetrics on float RGB): the same window settings '
            'as SSIM-RGB here, but another implementation, not checked against it',
            'HR-VITON-style LPIPS at 128x128 (the hr-viton preset)',
            _OTHER_SIZE)),
    EvaluationProtocol(
        name='dresscode', dataset='DressCode (upper_body, lower_body, dresses; one or all)',
        resolution='512x384 (DressCode\'s own table: 256x192)',
        paired_metrics=('SSIM', 'PSNR', 'LPIPS'), unpaired_metrics=('FID', 'KID'),
        ssim_variant='rgb', lpips_resize=None,
        paired_pairs='test_pairs_paired.txt (per category, or over all three)',
        unpaired_pairs='test_pairs_unpaired.txt (per category, or over all three)',
        real_images='the real test person photos of the evaluated categories',
        comparable_with=(
            'DressCode\'s own table at 256x192 (e.g. PF-AFN SSIM 0.902, FID 14.38, KID 0.743) '
            'in its setting (test lists, resolution); the SSIM variant, FID tool and KID '
            'scale behind that table are not recorded here, so check them before putting a '
            'vtonbox number next to it (vtonbox reports KID x1000)',
            'other methods evaluated with this preset on the same categories'),
        not_comparable_with=(
            _CLEAN_FID,
            'numbers over all three categories next to numbers of one category',
            _OTHER_SIZE)),
    EvaluationProtocol(
        name='hr-viton', dataset='VITON-HD', resolution='as evaluated (HR-VITON: 1024x768)',
        paired_metrics=('SSIM', 'PSNR', 'LPIPS'), unpaired_metrics=('FID', 'KID'),
        ssim_variant='gray', lpips_resize=HRVITON_LPIPS_SIZE,
        paired_pairs=_RECENT_PAIRED,
        unpaired_pairs='test_pairs.txt (2,032 pairs, garment of the second column)',
        real_images='the 2,032 real test person photos',
        comparable_with=(
            'SSIM and LPIPS of HR-VITON\'s evaluation script and of papers that reuse it: '
            'grayscale scikit-image SSIM with a Gaussian window (vtonbox\'s gray variant), '
            'AlexNet LPIPS on both images resized to 128x128 with PIL bilinear',),
        not_comparable_with=(
            'full-resolution LPIPS (the viton-hd preset)',
            'FID/KID of HR-VITON\'s tables: their tool is not recorded here; ' + _PYTORCH_FID,
            _CLEAN_FID)),
)}


def protocol_names() -> List[str]:
    """The preset names, in definition order."""
    return list(EVALUATION_PROTOCOLS)


def get_protocol(name: str, option: str = '--protocol') -> EvaluationProtocol:
    """The preset ``name``.

    Raises:
        UserError: an unknown name (one line listing the presets).
    """
    if name not in EVALUATION_PROTOCOLS:
        raise UserError(f'unknown evaluation protocol {name!r}', option,
                        f'choose from {", ".join(protocol_names())} '
                        '(docs/user_guides/evaluation.md, "Protocols")')
    return EVALUATION_PROTOCOLS[name]


def protocol_evaluators(name: str, setting: str, **weights) -> List[dict]:
    """Metric configs of preset ``name`` for one run (``'paired'`` / ``'unpaired'``);
    ``weights``: ``inception_weights=``, ``lpips_weights=`` (see
    :meth:`EvaluationProtocol.evaluators`)."""
    return get_protocol(name).evaluators(setting, **weights)


def apply_protocol(cfg: Config, protocol: EvaluationProtocol) -> None:
    """Put the preset's evaluators into a test config, in place: ``val_evaluator`` (the
    paired run) and ``test_evaluator`` (the unpaired run), replacing the config's."""
    cfg.val_evaluator = protocol.evaluators('paired')
    cfg.test_evaluator = protocol.evaluators('unpaired')


def check_required_in_protocol(protocol: EvaluationProtocol, settings: Sequence[str],
                               required: Sequence[str],
                               setting_hint: str = '--protocols paired unpaired') -> None:
    """Fail when a ``--require`` metric is not computed by the preset's selected runs.

    Args:
        settings (list[str]): the runs of this call (``'paired'`` and/or ``'unpaired'``).
        required (list[str]): upper-case metric names (``--require``).
        setting_hint (str): how to select the run that has the metric (``{setting}``:
            its name), e.g. ``'--setting {setting}'``.

    Raises:
        UserError: naming the run that would compute it.
    """
    for name in required:
        if any(name in protocol.metrics(setting) for setting in settings):
            continue
        owners = [s for s in SETTINGS if name in protocol.metrics(s)]
        todo = (f'{name} is in its {owners[0]} setting ({setting_hint.format(setting=owners[0])})'
                if owners else f'use a protocol that has {name}')
        raise UserError(f'--require {name.lower()}: --protocol {protocol.name} computes no '
                        f'{name} in the {" and ".join(settings)} setting', None,
                        f'{todo}, or drop --require {name.lower()}')
