"""Count the parameters of a config's model, per network, trainable and frozen.

    python tools/analysis/count_params.py configs/pfafn_student.py [--json out.json]

The training model is built without any external file
(``vtonbox.utils.model_loading.offline_model_config``: VGG perceptual losses with
``pretrained=False``, the teacher with ``checkpoint=None``, no ``init_cfg``; weights are
not needed to count them). Rows list every module down to ``--depth`` (the warp
model's encoders, FPNs and flow head, the generator, the teacher, the loss VGG) with
trainable and frozen counts; parameters shared by several modules (one VGG for the warp
and generator losses) are counted once, at their first row. The inference model
(no teacher, losses or init checkpoints) is counted too.
"""
import argparse
import json
import sys
from typing import Dict, List, Optional

from torch import nn

from vtonbox.utils.cli import CfgOptionsAction, run_tool
from vtonbox.utils.model_loading import build_model, load_config

MILLION = 1e6


def count_rows(model: nn.Module, depth: int) -> List[Dict]:
    """One row per module of depth 1..``depth`` that holds parameters.

    Each parameter is counted at the first (pre-order) row that contains it; a later
    module reusing it records the earlier owner in ``shared_with``.
    """
    owner: Dict[int, str] = {}
    rows = []

    def visit(module: nn.Module, name: str, level: int) -> None:
        trainable = frozen = 0
        shared = set()
        for param in module.parameters():
            first = owner.setdefault(id(param), name)
            if first != name and not name.startswith(first + '.'):  # owned elsewhere
                shared.add(first)
                continue
            if param.requires_grad:
                trainable += param.numel()
            else:
                frozen += param.numel()
        if trainable or frozen or shared:
            rows.append(dict(name=name, type=type(module).__name__, level=level,
                             trainable=trainable, frozen=frozen,
                             shared_with=sorted(shared)))
        if level < depth:
            for child_name, child in module.named_children():
                visit(child, f'{name}.{child_name}' if name else child_name, level + 1)

    for child_name, child in model.named_children():
        visit(child, child_name, 1)
    return rows


def unique_totals(model: nn.Module) -> Dict[str, int]:
    """Trainable and frozen parameters of the whole model, shared ones once."""
    params = {id(p): p for p in model.parameters()}.values()
    return dict(trainable=sum(p.numel() for p in params if p.requires_grad),
                frozen=sum(p.numel() for p in params if not p.requires_grad))


def count_config(cfg, depth: int = 2) -> Dict:
    """Counts of the training model and of the inference model of ``cfg``."""
    train_model = build_model(cfg, keep_training_parts=True)
    infer_model = build_model(cfg)
    infer_parts = {name: sum(p.numel() for p in child.parameters())
                   for name, child in infer_model.named_children()}
    return dict(model_type=type(train_model).__name__,
                rows=count_rows(train_model, depth),
                training=unique_totals(train_model),
                inference=dict(total=sum(infer_parts.values()),
                               parts={k: v for k, v in infer_parts.items() if v}))


def format_table(config: str, result: Dict) -> str:
    """Plain-text table of :func:`count_config`'s result."""
    width = max([len('  ' * (r['level'] - 1) + r['name']) for r in result['rows']] + [6])
    header = f'{"module":<{width}}  {"type":<26} {"trainable":>12} {"frozen":>12}  note'
    lines = [f'Parameters of {config} ({result["model_type"]}); weights not loaded',
             header, '-' * len(header)]
    for row in result['rows']:
        name = '  ' * (row['level'] - 1) + row['name']
        note = f'shares {", ".join(row["shared_with"])}' if row['shared_with'] else ''
        lines.append(f'{name:<{width}}  {row["type"]:<26} {row["trainable"]:>12,} '
                     f'{row["frozen"]:>12,}  {note}'.rstrip())
    totals = result['training']
    lines.append('-' * len(header))
    lines.append(f'{"total (shared counted once)":<{width}}  {"":<26} '
                 f'{totals["trainable"]:>12,} {totals["frozen"]:>12,}')
    lines.append(f'trainable: {totals["trainable"] / MILLION:.2f} M, frozen: '
                 f'{totals["frozen"] / MILLION:.2f} M')
    infer = result['inference']
    parts = ', '.join(f'{k} {v / MILLION:.2f} M' for k, v in infer['parts'].items())
    lines.append(f'inference model: {infer["total"] / MILLION:.2f} M ({parts})')
    return '\n'.join(lines)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='Count model parameters per network')
    parser.add_argument('config', help='config file path')
    parser.add_argument('--cfg-options', nargs='+', action=CfgOptionsAction,
                        help='override config entries, e.g. model.generator.ngf=32')
    parser.add_argument('--depth', type=int, default=2,
                        help='module depth of the rows (default 2: parts of each network)')
    parser.add_argument('--json', help='also write the counts to this JSON file')
    return parser.parse_args(argv)


def main(argv: Optional[list] = None) -> int:
    args = parse_args(argv)
    cfg = load_config(args.config, args.cfg_options)
    result = count_config(cfg, args.depth)
    print(format_table(args.config, result))
    if args.json:
        with open(args.json, 'w') as f:
            json.dump(dict(config=args.config, **result), f, indent=2)
        print(f'written: {args.json}')
    return 0


if __name__ == '__main__':
    sys.exit(run_tool(main))
