"""Which Inception metrics (FID, KID) can run, decided once before anything is run.

FID and KID need pytorch-fid's Inception weights, which vtonbox never downloads and which
are often absent. ``tools/test.py`` and ``tools/eval_folders.py`` therefore check, before
building a model or reading an image, that the weights file of each FID/KID metric
exists (:func:`plan_inception_metrics`):

* present: the metric runs;
* absent: the metric is skipped with one warning line naming the file and where to put
  it, and the record says so (``skipped``); the other metrics (SSIM, PSNR, ...) run;
* absent but required (``--require fid``, or nothing else is left to compute): one
  ``error:`` line, before any work.

The weights are only checked to exist and be non-empty here; a corrupt file is
reported when it is loaded (``EvaluationInputError``).

LPIPS is planned the same way (:class:`LPIPSMetricSpec`): its AlexNet backbone
(``alexnet-owt-7be5be79.pth``, torchvision's hub cache name) is never downloaded either,
so without it LPIPS is skipped with one warning line and ``--require lpips`` makes that
an error.

The module also holds the image counts below which FID and KID are unreliable
(:data:`FID_MIN_IMAGES`, :data:`KID_MIN_IMAGES`) and the warning about them.
"""
import os.path as osp
from dataclasses import dataclass, field
from typing import Dict, Iterable, List, Optional, Sequence, Union

from vtonbox.utils.cli import UserError

from .errors import EvaluationFileNotFoundError, EvaluationInputError
from .functional.inception import default_inception_weights_path, inception_weights_todo
from .functional.lpips import alexnet_weights_todo, default_alexnet_weights_path

#: Metrics that need the FID Inception weights (as named in records and ``--require``).
INCEPTION_METRIC_NAMES = ('FID', 'KID')
#: Every metric that needs a local weights file (the names ``--require`` accepts).
WEIGHTS_METRIC_NAMES = INCEPTION_METRIC_NAMES + ('LPIPS',)
#: Fewer generated (or real) images than this give a biased FID: its expected value
#: grows as the count falls (Chong & Forsyth, "Effectively Unbiased FID", 2020), so it is
#: not comparable with FIDs of the 2,032 VITON test images.
FID_MIN_IMAGES = 2000
#: Fewer images than this make KID unreliable: the subset size is clipped to the count
#: and its variance is large, so it is not comparable with full-size values.
KID_MIN_IMAGES = 100
#: Metric name -> (constant name, value) of the count below which it is warned about.
MIN_IMAGES = {'FID': ('FID_MIN_IMAGES', FID_MIN_IMAGES),
              'KID': ('KID_MIN_IMAGES', KID_MIN_IMAGES)}


@dataclass
class InceptionMetricSpec:
    """One configured FID/KID metric, before it is built.

    Attributes:
        name (str): ``'FID'`` or ``'KID'``.
        weights (str, optional): configured weights file; None = the torch hub cache.
        option (str): how the user sets another file for it, e.g.
            ``'--inception-weights PATH'`` (quoted in the messages; the options of several
            specs are joined by spaces after the plan's ``option_prefix``).
    """

    name: str
    weights: Optional[str]
    option: str

    @property
    def weights_file(self) -> str:
        """The file that would be loaded."""
        return self.weights if self.weights is not None else default_inception_weights_path()

    def weights_error(self, problem: str, options: Sequence[str],
                      option_prefix: str = '') -> UserError:
        """The error for an unusable :attr:`weights_file` (``problem``: ``'not found'``,
        ``'empty'``), quoting ``options``."""
        return _weights_error(problem, self.weights_file, options, option_prefix)


@dataclass
class LPIPSMetricSpec:
    """One configured LPIPS metric, before it is built (same interface as
    :class:`InceptionMetricSpec`).

    Attributes:
        name (str): ``'LPIPS'``.
        weights (str, optional): configured AlexNet file (``backbone_weights=``); None = the
            torch hub cache (``alexnet-owt-7be5be79.pth``).
        option (str): how the user sets another file, e.g.
            ``'val_evaluator.1.backbone_weights=PATH'``.
    """

    name: str
    weights: Optional[str]
    option: str

    @property
    def weights_file(self) -> str:
        """The file that would be loaded."""
        return self.weights if self.weights is not None else default_alexnet_weights_path()

    def weights_error(self, problem: str, options: Sequence[str],
                      option_prefix: str = '') -> UserError:
        """The error for an unusable :attr:`weights_file`, quoting ``options``."""
        file = self.weights_file
        todo = alexnet_weights_todo(option_prefix + ' '.join(options), file)
        if problem == 'not found':
            return EvaluationFileNotFoundError('LPIPS AlexNet weights not found', file, todo)
        return EvaluationInputError(f'LPIPS AlexNet weights file is {problem}', file, todo)


@dataclass
class InceptionPlan:
    """Result of :func:`plan_inception_metrics`.

    Attributes:
        run (list[str]): metric names whose weights are present (a name configured twice
            with different files can be in both ``run`` and ``skipped``).
        skipped (dict): metric name -> why it is skipped (for the record).
        warnings (list[str]): one line per missing weights file (for the user).
    """

    run: List[str] = field(default_factory=list)
    skipped: Dict[str, str] = field(default_factory=dict)
    warnings: List[str] = field(default_factory=list)


def parse_required_metrics(values: Optional[Iterable[str]],
                           choices: Sequence[str] = INCEPTION_METRIC_NAMES) -> List[str]:
    """Metric names of ``--require`` options (repeatable, comma lists), upper case.

    Args:
        values: e.g. ``['fid,kid']`` or ``['fid', 'kid']``; None = nothing required.
        choices: the accepted names: FID, KID by default (``tools/eval_folders.py``);
            ``tools/test.py`` passes :data:`WEIGHTS_METRIC_NAMES` (FID, KID, LPIPS).

    Returns:
        list[str]: e.g. ``['FID', 'KID']`` without duplicates.

    Raises:
        UserError: a name that is not among ``choices``.
    """
    names: List[str] = []
    for value in values or []:
        for part in value.split(','):
            name = part.strip().upper()
            if not name:
                continue
            if name not in choices:
                names_text = ', '.join(n.lower() for n in choices)
                raise UserError(f'unknown metric {part.strip()!r} in --require', None,
                                f'choose from {names_text} (the metrics that need weights)')
            if name not in names:
                names.append(name)
    return names


def weights_problem(path: str) -> Optional[str]:
    """Why a weights file cannot be used (``'not found'``, ``'empty'``) or None."""
    if not osp.isfile(path):
        return 'not found'
    if osp.getsize(path) == 0:
        return 'empty'
    return None


def _weights_error(problem: str, file: str, options: Sequence[str],
                   option_prefix: str = '') -> UserError:
    todo = inception_weights_todo(option_prefix + ' '.join(options), file)
    if problem == 'not found':
        return EvaluationFileNotFoundError('FID Inception weights not found', file, todo)
    return EvaluationInputError(f'FID Inception weights file is {problem}', file, todo)


def plan_inception_metrics(specs: Sequence[Union[InceptionMetricSpec, LPIPSMetricSpec]],
                           required: Sequence[str] = (),
                           require_all: bool = False,
                           require_hint: str = '--require',
                           add_hint: str = 'add a {name} metric',
                           option_prefix: str = '') -> InceptionPlan:
    """Decide which FID/KID (and LPIPS) metrics run, from whether their weights files
    exist.

    Nothing is loaded or built; call it before building a model or reading images.

    Args:
        specs (list[InceptionMetricSpec | LPIPSMetricSpec]): the FID/KID/LPIPS metrics
            the run would compute.
        required (list[str]): names that must run (``--require``); a missing file, or a
            required name that is not among ``specs``, is an error.
        require_all (bool): treat every metric as required (nothing else would run, so a
            skip would leave nothing to compute).
        require_hint (str): what the user passes to require a metric, for the messages.
        add_hint (str): how to add a metric to the run (``{name}``: FID / KID, ``{lower}``:
            fid / kid), for the message about a required metric the run does not compute.
        option_prefix (str): written before the specs' options, which are joined by
            spaces (e.g. ``'--cfg-options '`` before ``test_evaluator.0.inception_weights=PATH``).

    Returns:
        InceptionPlan: metrics to run, skipped ones with their reason, warning lines.

    Raises:
        UserError: a required metric cannot run (the one-line message names the file,
            the hub cache path and the option that sets another file).
    """
    names = {spec.name for spec in specs}
    for name in required:
        if name not in names:
            add = add_hint.format(name=name, lower=name.lower())
            raise UserError(f'{require_hint} {name.lower()}: this run computes no {name}', None,
                            f'{add} (or drop {require_hint} {name.lower()})')
    plan = InceptionPlan()
    by_file: Dict[str, List[InceptionMetricSpec]] = {}
    for spec in specs:
        problem = weights_problem(spec.weights_file)
        if problem is None:
            if spec.name not in plan.run:
                plan.run.append(spec.name)
            continue
        if require_all or spec.name in required:
            raise spec.weights_error(problem, [spec.option], option_prefix)
        by_file.setdefault(spec.weights_file, []).append(spec)
    for file, file_specs in by_file.items():
        problem = weights_problem(file)
        skipped = list(dict.fromkeys(spec.name for spec in file_specs))
        options = list(dict.fromkeys(spec.option for spec in file_specs))
        error = file_specs[0].weights_error(problem, options, option_prefix)
        for name in skipped:
            plan.skipped.setdefault(name, f'{error.what} ({file})')
        plan.warnings.append(
            f'skipping {", ".join(skipped)}: {error.line()}; '
            f'{require_hint} {",".join(n.lower() for n in skipped)} makes this an error')
    return plan


def small_sample_warning(name: str, num_generated: int, num_real: int) -> Optional[str]:
    """The warning for FID/KID from too few images, or None.

    Args:
        name (str): ``'FID'`` or ``'KID'`` (other names: no threshold, None).
        num_generated (int): generated images the value was computed from.
        num_real (int): real images it was computed against.
    """
    if name not in MIN_IMAGES:
        return None
    constant, minimum = MIN_IMAGES[name]
    count = min(num_generated, num_real)
    if count >= minimum:
        return None
    effect = ('biased (FID grows as the count falls)' if name == 'FID' else
              'unreliable (subsets clipped to the count, high variance)')
    return (f'{name} computed from {num_generated} generated and {num_real} real images, '
            f'fewer than {constant}={minimum}: the value is {effect} and not comparable with '
            'values from the full test set')


def image_counts(name: str, num_generated: int, num_real: int) -> Dict[str, int]:
    """``{'generated', 'real', 'min_reliable'}`` of a FID/KID value (for the record)."""
    return dict(generated=int(num_generated), real=int(num_real),
                min_reliable=MIN_IMAGES.get(name, (None, None))[1])
