"""Score a checkpoint's warp against the worn cloth, next to the identity warp:
``python tools/analysis/warp_quality.py CONFIG CHECKPOINT [--dataloader KEY] [--out F]``.

Needs paired data with parsing; the synthetic configs define
``synthetic_teacher_val_dataloader`` for that (the default when present).
"""
import argparse
import json
import sys

from mmengine.runner import Runner

from vtonbox.evaluation.warp_quality import evaluate_warp_quality
from vtonbox.utils.checkpoint import check_checkpoint_file
from vtonbox.utils.cli import CfgOptionsAction, UserError, run_tool
from vtonbox.utils.model_loading import build_inference_model, load_config

#: Dataloader used when the config has it: paired synthetic test data with parsing.
DEFAULT_DATALOADER = 'synthetic_teacher_val_dataloader'


def main(argv=None):
    parser = argparse.ArgumentParser(description='Warped-cloth L1 vs the identity warp')
    parser.add_argument('config')
    parser.add_argument('checkpoint')
    parser.add_argument('--dataloader', help=f'config key of a paired dataloader with '
                        f'parsing (default: {DEFAULT_DATALOADER} if defined)')
    parser.add_argument('--out', help='write the numbers to this JSON file')
    parser.add_argument('--cfg-options', nargs='+', action=CfgOptionsAction)
    args = parser.parse_args(argv)
    cfg = load_config(args.config, args.cfg_options)
    key = args.dataloader or (DEFAULT_DATALOADER if DEFAULT_DATALOADER in cfg else None)
    if key is None or key not in cfg:
        loaders = ', '.join(k for k in cfg.keys() if k.endswith('_dataloader')) or 'none'
        raise UserError(f'config has no dataloader {key or DEFAULT_DATALOADER!r}',
                        args.config, f'pass --dataloader KEY (the config has: {loaders})')
    check_checkpoint_file(args.checkpoint)  # missing / empty / corrupt: before building
    model = build_inference_model(cfg, args.checkpoint, config_name=args.config)
    dataloader_cfg = dict(cfg[key])
    dataloader_cfg.pop('_delete_', None)
    dataloader = Runner.build_dataloader(dataloader_cfg)
    result = evaluate_warp_quality(model, dataloader)
    print(json.dumps(result, indent=2))
    if args.out:
        with open(args.out, 'w') as f:
            json.dump(result, f, indent=2)


if __name__ == '__main__':
    sys.exit(run_tool(main))
