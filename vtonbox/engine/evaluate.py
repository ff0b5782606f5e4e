"""What ``tools/test.py`` does: evaluate a checkpoint under the config's protocols and
write the JSON record.

The *unpaired* protocol is the config's test loop (each person with another person's
cloth; FID/KID against the real persons); the *paired* protocol is its val loop (each
person with their own cloth; SSIM/PSNR against the photo). The model is built
inference-only (no teacher, no losses) and the checkpoint is loaded strictly, so a
checkpoint that does not fit fails with the list of keys instead of evaluating random
weights.
"""
import os.path as osp
from typing import Dict, Optional, Sequence

from mmengine.config import Config
from mmengine.model import is_model_wrapper
from mmengine.runner import Runner

from vtonbox.evaluation.record import build_record, metric_provenance, write_record
from vtonbox.models.tryon import inference_model_config

#: Protocol name -> (runner loop, dataloader key).
PROTOCOLS = {'unpaired': 'test', 'paired': 'val'}
#: How the evaluated images reach the metrics (no file round trip).
IMAGE_FORMAT = 'uint8 tensors (lossless, no file round trip)'


def prepare_test_config(cfg: Config, show_dir: Optional[str] = None,
                        save_strip: bool = False) -> Config:
    """Inference-only model, no automatic checkpoint loading, evaluation hooks."""
    cfg.model = inference_model_config(cfg.model)
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
                        out: Optional[str] = None) -> Dict:
    """Run the configured protocols on ``checkpoint``; write the record to ``out``.

    Args:
        cfg (Config): a config prepared by :func:`prepare_test_config`.
        checkpoint (str): model checkpoint (loaded strictly).
        protocols (Sequence[str]): ``'unpaired'`` (test loop) and/or ``'paired'`` (val
            loop); protocols the config has no loop for are skipped with a note.
        out (str, optional): JSON record path (written on rank 0).

    Returns:
        dict: the record (``metrics`` and ``protocol`` provenance).
    """
    from vtonbox.apis.model_loading import load_weights  # the strict, explaining loader
    unknown = set(protocols) - set(PROTOCOLS)
    if unknown:
        raise ValueError(f'unknown protocols {sorted(unknown)}; choose from {list(PROTOCOLS)}')
    runner = Runner.from_cfg(cfg)
    model = runner.model.module if is_model_wrapper(runner.model) else runner.model
    load_weights(model, checkpoint, config_name=osp.basename(cfg.filename or 'the config'))

    metrics, evaluated, skipped = {}, {}, []
    for protocol in protocols:
        loop = PROTOCOLS[protocol]
        if cfg.get(f'{loop}_dataloader') is None or cfg.get(f'{loop}_cfg') is None:
            skipped.append(protocol)
            continue
        values = runner.test() if loop == 'test' else runner.val()
        for key, value in values.items():
            metrics[key if key not in metrics else f'{protocol}/{key}'] = value
        dataloader = runner.test_dataloader if loop == 'test' else runner.val_dataloader
        evaluated[protocol] = dict(num_images=len(dataloader.dataset),
                                   **_dataset_facts(cfg[f'{loop}_dataloader']))
    if not evaluated:
        raise RuntimeError(f'the config defines none of the protocols {list(protocols)} '
                           '(test_dataloader/test_cfg for unpaired, val_* for paired)')
    evaluators = []  # only of the loops that ran: building others may need their weights
    for protocol in evaluated:
        evaluator = getattr(runner, f'{PROTOCOLS[protocol]}_evaluator')
        evaluators += list(getattr(evaluator, 'metrics', []) or [])
    main = evaluated.get('unpaired') or evaluated['paired']
    record = build_record(
        metrics, dataset_root=main['dataset_root'],
        split='test', num_images=main['num_images'], pair_list=main['pair_list'],
        image_size=main['image_size'], image_format=IMAGE_FORMAT, checkpoint=checkpoint,
        extra=dict(protocols=evaluated, skipped_protocols=skipped,
                   config=cfg.filename),
        **metric_provenance(evaluators))
    if out and runner.rank == 0:
        write_record(record, out)
        runner.logger.info(f'Metrics and their protocol written to {out}')
    return record
