"""Export the parser-free try-on (person, cloth, cloth mask -> try-on) to ONNX and check
it with ONNX Runtime against PyTorch.

Example::

    python tools/deploy/export_onnx.py configs/pfafn_student.py work_dirs/pfafn.pth \\
        --out work_dirs/pfafn.onnx --dynamic-batch

The graph takes ``person``, ``cloth`` (N, 3, H, W) in [-1, 1] and ``cloth_mask``
(N, 1, H, W) in {0, 1} and returns ``tryon`` (N, 3, H, W) in [-1, 1]. H and W are fixed
(``--height`` / ``--width``); N is dynamic with ``--dynamic-batch``. Opset >= 16 (ONNX
GridSample). The correlation is exported as the plain 49-shift formula.
"""
import argparse
import os
import os.path as osp
import sys

from vtonbox.benchmark import random_tryon_inputs
from vtonbox.deploy import (
    DEFAULT_OPSET,
    OnnxTryOn,
    export_tryon_onnx,
    load_tryon_model,
    max_abs_diff_vs_pytorch,
)
from vtonbox.utils.checkpoint import check_checkpoint_file
from vtonbox.utils.cli import UserError, require_file, run_tool

#: Largest |ONNX Runtime - PyTorch| accepted on [-1, 1] images.
DEFAULT_TOLERANCE = 1e-3


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='Export the parser-free try-on to ONNX')
    parser.add_argument('config', help='config file (e.g. configs/pfafn_student.py)')
    parser.add_argument('checkpoint', nargs='?',
                        help="weights; 'random' or omitted for seeded random weights")
    parser.add_argument('--out', required=True, help='output .onnx file')
    parser.add_argument('--dynamic-batch', action='store_true', help='dynamic batch axis')
    parser.add_argument('--height', type=int, default=256)
    parser.add_argument('--width', type=int, default=192)
    parser.add_argument('--batch-size', type=int, default=1, help='example batch')
    parser.add_argument('--opset', type=int, default=DEFAULT_OPSET)
    parser.add_argument('--no-verify', action='store_true',
                        help='skip the ONNX Runtime comparison')
    parser.add_argument('--tolerance', type=float, default=DEFAULT_TOLERANCE,
                        help='max abs difference accepted by the verification')
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    require_file(args.config, 'config file', 'configs are listed in configs/')
    checkpoint = None if args.checkpoint in (None, 'random') else args.checkpoint
    if checkpoint is not None:
        check_checkpoint_file(checkpoint)  # missing / empty / corrupt: before building
    out_dir = osp.dirname(osp.abspath(args.out))
    try:
        os.makedirs(out_dir, exist_ok=True)
    except OSError as error:
        raise UserError(f'cannot create the output folder ({error.strerror})', out_dir,
                        'pass another --out') from None
    model, _ = load_tryon_model(args.config, checkpoint)
    export_tryon_onnx(model, args.out, args.height, args.width, args.batch_size,
                      args.dynamic_batch, args.opset)
    print(f'wrote {args.out} (opset {args.opset}, input {args.height}x{args.width}, '
          f'{"dynamic" if args.dynamic_batch else "fixed"} batch'
          f'{"" if checkpoint else ", random weights"})')
    if args.no_verify:
        return
    batch = args.batch_size + 1 if args.dynamic_batch else args.batch_size
    inputs = random_tryon_inputs(batch, args.height, args.width, seed=1)
    diff = max_abs_diff_vs_pytorch(OnnxTryOn(args.out), model, inputs)
    print(f'ONNX Runtime vs PyTorch (batch {batch}): max abs diff {diff:.2e}')
    if diff > args.tolerance:
        raise UserError(f'ONNX output differs from PyTorch by {diff:.2e} > {args.tolerance}',
                        args.out, 'try another --opset, or raise --tolerance')


if __name__ == '__main__':
    sys.exit(run_tool(main))
