"""Score a checkpoint's warp against the worn cloth, next to the identity warp:
``python tools/analysis/warp_quality.py CONFIG CHECKPOINT [--dataloader KEY] [--out F]``.

Needs paired data with parsing; the synthetic configs define
``synthetic_teacher_val_dataloader`` for that (the default when present).
"""
import argparse
import json

from mmengine.config import Config, DictAction
from mmengine.runner import Runner

from vtonbox.apis.model_loading import load_weights
from vtonbox.evaluation.warp_quality import evaluate_warp_quality
from vtonbox.models.tryon import inference_model_config
from vtonbox.registry import MODELS
from vtonbox.utils import register_all_modules

#: Dataloader used when the config has it: paired synthetic test data with parsing.
DEFAULT_DATALOADER = 'synthetic_teacher_val_dataloader'


def main(argv=None):
    parser = argparse.ArgumentParser(description='Warped-cloth L1 vs the identity warp')
    parser.add_argument('config')
    parser.add_argument('checkpoint')
    parser.add_argument('--dataloader', help=f'config key of a paired dataloader with '
                        f'parsing (default: {DEFAULT_DATALOADER} if defined)')
    parser.add_argument('--out', help='write the numbers to this JSON file')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    args = parser.parse_args(argv)
    register_all_modules()
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    key = args.dataloader or (DEFAULT_DATALOADER if DEFAULT_DATALOADER in cfg else None)
    if key is None or key not in cfg:
        parser.error(f'config has no dataloader {key!r}; pass --dataloader')
    model = MODELS.build(inference_model_config(cfg.model))
    load_weights(model, args.checkpoint)
    model.eval()
    dataloader_cfg = dict(cfg[key])
    dataloader_cfg.pop('_delete_', None)
    dataloader = Runner.build_dataloader(dataloader_cfg)
    result = evaluate_warp_quality(model, dataloader)
    print(json.dumps(result, indent=2))
    if args.out:
        with open(args.out, 'w') as f:
            json.dump(result, f, indent=2)


if __name__ == '__main__':
    main()
