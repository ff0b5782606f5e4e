"""What ``tools/test.py`` does: evaluate a checkpoint under the config's protocols and
write the JSON record.

The *unpaired* protocol is the config's test loop (each person with another person's
cloth; FID/KID against the real persons); the *paired* protocol is its val loop (each
person with their own cloth; SSIM/PSNR against the photo). The model is built
inference-only (no teacher, no losses) and the checkpoint is loaded strictly, so a
checkpoint that does not fit fails with the list of keys instead of evaluating random
weights.

Everything that can be checked without building the model is checked first
(:func:`load_test_config`, :func:`plan_test_metrics`, :func:`check_checkpoint_file`):
FID/KID (and LPIPS) whose weights are absent are skipped (or, when required, fail), and a
missing, empty or corrupt checkpoint is reported before anything is built.
"""
import os.path as osp
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence, Tuple

from mmengine.config import Config
from mmengine.model import is_model_wrapper
from mmengine.runner import Runner

from vtonbox.evaluation.inception_plan import (
    InceptionMetricSpec,
    LPIPSMetricSpec,
    plan_inception_metrics,
    weights_problem,
)
from vtonbox.evaluation.metrics.inception_metric import InceptionMetric
from vtonbox.evaluation.metrics.lpips_metric import LPIPS
from vtonbox.evaluation.record import (
    build_record,
    metric_outcomes,
    metric_provenance,
    write_record,
)
from vtonbox.registry import METRICS
from vtonbox.utils.checkpoint import check_checkpoint_file as check_checkpoint_header
from vtonbox.utils.cli import UserError
from vtonbox.utils.model_loading import load_weights_strictly, offline_model_config

from .launch import load_config

#: Protocol name -> (runner loop, dataloader key).
PROTOCOLS = {'unpaired': 'test', 'paired': 'val'}
#: How the evaluated images reach the metrics (no file round trip).
IMAGE_FORMAT = 'uint8 tensors (lossless, no file round trip)'
#: The command that writes the checkpoints tools/test.py reads (quoted when one is missing).
CHECKPOINT_MADE_BY = 'tools/train.py CONFIG (work_dirs/<config>/epoch_*.pth)'


@dataclass
class TestPlan:
    """What :func:`evaluate_checkpoint` runs, decided before anything is built.

    Attributes:
        protocols (list[str]): protocols to run, in order.
        skipped_metrics (dict): metric name -> why it is not computed (for the record).
        skipped_protocols (dict): protocol -> why it is not run (for the record).
        warnings (list[str]): one line per skipped weights file (for the user).
    """

    protocols: List[str]
    skipped_metrics: Dict[str, str] = field(default_factory=dict)
    skipped_protocols: Dict[str, str] = field(default_factory=dict)
    warnings: List[str] = field(default_factory=list)


def load_test_config(config: str, cfg_options: Optional[dict] = None) -> Config:
    """Read the config (merging ``--cfg-options``), with one-line errors: a missing file,
    a syntax error, an option that cannot be merged and an error raised by the config's
    own code are a ``UserError`` naming the config (see
    :func:`vtonbox.utils.model_loading.load_config`)."""
    return load_config(config, cfg_options)


def check_checkpoint_file(path: str) -> None:
    """The cheap pre-load check of :func:`vtonbox.utils.checkpoint.check_checkpoint_file`,
    naming the command that writes test checkpoints when the file is missing."""
    check_checkpoint_header(path, made_by=CHECKPOINT_MADE_BY)


def _metric_entries(cfg: Config, key: str) -> Tuple[list, bool]:
    """(option prefix, entry) of each metric of ``cfg[key]``, and whether they are nested
    under ``metrics`` (MMEngine's ``dict(metrics=[...])`` evaluator form)."""
    value = cfg.get(key)
    if value is None:
        return [], False
    nested = isinstance(value, dict) and 'metrics' in value
    container = value['metrics'] if nested else value
    base = f'{key}.metrics' if nested else key
    if isinstance(container, (list, tuple)):
        return [(f'{base}.{i}', entry) for i, entry in enumerate(container)], nested
    return [(base, container)], nested


def _inception_name(entry) -> Optional[str]:
    """``'FID'`` / ``'KID'`` for a config entry of an Inception metric, else None."""
    if not isinstance(entry, dict):
        return None
    metric_type = entry.get('type')
    cls = METRICS.get(metric_type) if isinstance(metric_type, str) else metric_type
    if isinstance(cls, type) and issubclass(cls, InceptionMetric):
        return cls.record_name
    return None


def _weights_spec(prefix: str, entry):
    """The plan spec of a config entry of a metric that needs a weights file (FID, KID:
    ``inception_weights``; LPIPS: ``backbone_weights``), else None."""
    if not isinstance(entry, dict):
        return None
    name = _inception_name(entry)
    if name:
        return InceptionMetricSpec(name, entry.get('inception_weights'),
                                   f'{prefix}.inception_weights=PATH')
    metric_type = entry.get('type')
    cls = METRICS.get(metric_type) if isinstance(metric_type, str) else metric_type
    if isinstance(cls, type) and issubclass(cls, LPIPS):
        return LPIPSMetricSpec(cls.record_name, entry.get('backbone_weights'),
                               f'{prefix}.backbone_weights=PATH')
    return None


def _set_metric_entries(cfg: Config, key: str, nested: bool, entries: list) -> None:
    if nested:
        cfg[key]['metrics'] = entries
    else:
        cfg[key] = entries


def plan_test_metrics(cfg: Config, protocols: Sequence[str] = tuple(PROTOCOLS),
                      required: Sequence[str] = (), save_images: bool = False) -> TestPlan:
    """Decide, before building anything, which metrics and protocols run.

    FID/KID whose Inception weights file is absent, and LPIPS whose AlexNet weights file
    is absent, are removed from the config's evaluators and listed in ``skipped_metrics``
    (one warning line per file); a protocol whose metrics are all skipped is not run
    unless ``save_images`` (``--show-dir``).

    Args:
        cfg (Config): the test config; its evaluators are edited in place.
        protocols (list[str]): ``'unpaired'`` and/or ``'paired'``.
        required (list[str]): metric names that must run (``--require``: ``FID``, ``KID``,
            ``LPIPS``).
        save_images (bool): the try-ons are saved, so a protocol without metrics still runs.

    Returns:
        TestPlan: what to run and what is skipped.

    Raises:
        ValueError: an unknown protocol name.
        UserError: a required metric cannot run, nothing would be evaluated, or the config
            defines none of the protocols.
    """
    unknown = set(protocols) - set(PROTOCOLS)
    if unknown:
        raise ValueError(f'unknown protocols {sorted(unknown)}; choose from {list(PROTOCOLS)}')
    plan = TestPlan(protocols=[])
    loops = {}
    for protocol in protocols:
        loop = PROTOCOLS[protocol]
        if cfg.get(f'{loop}_dataloader') is None or cfg.get(f'{loop}_cfg') is None:
            plan.skipped_protocols[protocol] = f'the config has no {loop}_dataloader/{loop}_cfg'
        else:
            loops[protocol] = _metric_entries(cfg, f'{loop}_evaluator')
    if not loops:
        raise UserError(f'the config defines none of the protocols {list(protocols)}',
                        cfg.filename, 'add test_dataloader/test_cfg/test_evaluator (unpaired) '
                        'or val_dataloader/val_cfg/val_evaluator (paired)')
    specs = [spec for entries, _ in loops.values() for prefix, entry in entries
             for spec in [_weights_spec(prefix, entry)] if spec]
    add_hint = 'add a {name} entry to test_evaluator (or val_evaluator) of the config'
    options = dict(add_hint=add_hint, option_prefix='--cfg-options ')
    inception = plan_inception_metrics(specs, required, **options)

    def kept(entries):  # an FID/KID/LPIPS entry goes when its own weights file is unusable
        return [entry for prefix, entry in entries
                for spec in [_weights_spec(prefix, entry)]
                if not spec or weights_problem(spec.weights_file) is None]

    runnable = [p for p, (entries, _) in loops.items()
                if kept(entries) or not entries or save_images]
    if not runnable and inception.skipped:  # skipping would leave nothing: an error
        plan_inception_metrics(specs, required, require_all=True, **options)
    for protocol, (entries, nested) in loops.items():
        remaining = kept(entries)
        if len(remaining) < len(entries):
            _set_metric_entries(cfg, f'{PROTOCOLS[protocol]}_evaluator', nested, remaining)
        if protocol in runnable:
            plan.protocols.append(protocol)
        else:
            names = ', '.join(dict.fromkeys(_weights_spec(p, e).name for p, e in entries))
            plan.skipped_protocols[protocol] = (f'its metrics ({names}) are skipped; '
                                                '--show-dir runs it to save the try-ons')
    plan.skipped_metrics = dict(inception.skipped)
    plan.warnings = list(inception.warnings)
    return plan


def prepare_test_config(cfg: Config, show_dir: Optional[str] = None,
                        save_strip: bool = False) -> Config:
    """Inference-only model, no automatic checkpoint loading, evaluation hooks."""
    cfg.model = offline_model_config(cfg.model)
    cfg.load_from = None
    cfg.resume = False
    # Evaluation saves no checkpoints (and `save_best` would fail outside training).
    cfg.default_hooks = dict(cfg.get('default_hooks') or {}, checkpoint=None)
    hooks = [dict(type='EvalProgressHook')]
    if show_dir:
        hooks.append(dict(type='SaveTryOnResultsHook', out_dir=show_dir,
                          save_strip=save_strip))
    cfg.custom_hooks = list(cfg.get('custom_hooks') or []) + hooks
    return cfg


def _image_size(pipeline: Sequence[dict]):
    sizes = [t.get('size') for t in pipeline if t.get('type') == 'ResizePad']
    return tuple(sizes[0]) if sizes else None


def _dataset_facts(dataloader_cfg: dict) -> Dict:
    dataset = dataloader_cfg['dataset']
    root = dataset.get('data_root', '')
    ann = dataset.get('ann_file') or None
    return dict(dataset_root=root,
                pair_list=osp.join(root, ann) if ann and not osp.isabs(ann) else ann,
                image_size=_image_size(dataset.get('pipeline', [])))


def evaluate_checkpoint(cfg: Config, checkpoint: str,
                        protocols: Sequence[str] = ('unpaired', 'paired'),
                        out: Optional[str] = None, plan: Optional[TestPlan] = None) -> Dict:
    """Run the configured protocols on ``checkpoint``; write the record to ``out``.

    Args:
        cfg (Config): a config prepared by :func:`prepare_test_config`.
        checkpoint (str): model checkpoint (loaded strictly).
        protocols (Sequence[str]): ``'unpaired'`` (test loop) and/or ``'paired'`` (val
            loop); protocols the config has no loop for are skipped with a note. Ignored
            when ``plan`` is given.
        out (str, optional): JSON record path (written on rank 0).
        plan (TestPlan, optional): from :func:`plan_test_metrics` (which edits ``cfg``);
            None plans here (FID/KID without weights are skipped, with a log warning).

    Returns:
        dict: the record (``metrics``, ``skipped``, ``warnings`` and ``protocol``
        provenance, including ``inception_images``: the image counts of FID/KID).
    """
    warnings_to_log = []
    if plan is None:
        plan = plan_test_metrics(cfg, protocols)
        warnings_to_log = plan.warnings
    check_checkpoint_file(checkpoint)
    runner = Runner.from_cfg(cfg)
    for line in warnings_to_log:
        runner.logger.warning(line)
    for protocol, reason in plan.skipped_protocols.items():
        runner.logger.info(f'{protocol} protocol not run: {reason}')
    model = runner.model.module if is_model_wrapper(runner.model) else runner.model
    load_weights_strictly(model, checkpoint, osp.basename(cfg.filename or 'the config'))

    metrics, evaluated = {}, {}
    for protocol in plan.protocols:
        loop = PROTOCOLS[protocol]
        values = runner.test() if loop == 'test' else runner.val()
        for key, value in values.items():
            metrics[key if key not in metrics else f'{protocol}/{key}'] = value
        dataloader = runner.test_dataloader if loop == 'test' else runner.val_dataloader
        evaluated[protocol] = dict(num_images=len(dataloader.dataset),
                                   **_dataset_facts(cfg[f'{loop}_dataloader']))
    evaluators = []  # only of the loops that ran: building others may need their weights
    for protocol in evaluated:
        evaluator = getattr(runner, f'{PROTOCOLS[protocol]}_evaluator')
        evaluators += list(getattr(evaluator, 'metrics', []) or [])
    main = evaluated.get('unpaired') or evaluated['paired']
    record = build_record(
        metrics, dataset_root=main['dataset_root'],
        split='test', num_images=main['num_images'], pair_list=main['pair_list'],
        image_size=main['image_size'], image_format=IMAGE_FORMAT, checkpoint=checkpoint,
        extra=dict(protocols=evaluated, skipped_protocols=plan.skipped_protocols,
                   config=cfg.filename),
        skipped=plan.skipped_metrics, **metric_provenance(evaluators),
        **metric_outcomes(evaluators))
    if out and runner.rank == 0:
        write_record(record, out)
        runner.logger.info(f'Metrics and their protocol written to {out}')
    return record
