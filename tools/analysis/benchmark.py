"""Benchmark try-on inference or training on CPU / GPU and write the result as JSON.

Inference times ``person, cloth, mask -> try-on`` (warp + generator + composition) of
the fast graph (BN folding, fused upsample-convs, channels_last, bf16 with fp32 islands)
or of the model as built; ``--reference`` adds the reference graph (unfused, 49-shift
correlation) for side-by-side ratios; ``--onnx`` adds an ONNX Runtime model;
``--compare-config`` times the same graph of other configs' models beside it (random
weights), e.g. the mobile student against PF-AFN. Training
times the full train step of the config's stage with real (synthetic) data loading.
Without ``--checkpoint`` the weights are random (speed does not depend on them).

Examples::

    python tools/analysis/benchmark.py configs/pfafn_student.py --threads 2 --reference \\
        --channels-last --peak --json work_dirs/bench/fp32.json
    python tools/analysis/benchmark.py configs/pfafn_student.py --precision bf16 \\
        --channels-last --batch-size 8 --check-accuracy --threads 2
    python tools/analysis/benchmark.py configs/pfafn_student.py --mode train \\
        --height 128 --width 96 --batch-size 4 --iters 3 --threads 2
    python tools/analysis/benchmark.py configs/dmvton_student.py --channels-last \\
        --threads 2 --compare-config configs/pfafn_student.py configs/dmvton_student_c128.py

See docs/benchmark.md for the measured tables. A missing or unloadable config,
checkpoint, ONNX file or data root, an unavailable ``--device`` and image sizes the
model cannot take print one ``error:`` line (exit 2) before anything is timed.
"""
import argparse
import sys
from typing import Optional

import torch

from vtonbox.benchmark import (
    GRAPHS,
    InferenceOptions,
    TrainOptions,
    build_graph,
    run_inference_benchmark,
    run_train_benchmark,
    summary_lines,
    write_json,
)
from vtonbox.benchmark.accuracy import synthetic_split_accuracy
from vtonbox.deploy import load_tryon_model
from vtonbox.engine.launch import load_config
from vtonbox.utils import register_all_modules
from vtonbox.utils.checkpoint import check_checkpoint_file
from vtonbox.utils.cli import UserError, check_device, require_dir, require_file, run_tool


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='Benchmark try-on inference / training')
    parser.add_argument('config', help='config file (e.g. configs/pfafn_student.py)')
    parser.add_argument('--checkpoint', help='weights (default: seeded random weights)')
    parser.add_argument('--mode', choices=('inference', 'train'), default='inference')
    parser.add_argument('--batch-size', type=int, default=4)
    parser.add_argument('--iters', type=int, default=5, help='timed iterations')
    parser.add_argument('--warmup', type=int, default=2, help='untimed iterations first')
    parser.add_argument('--device', default='cpu', help="'cpu' or 'cuda[:N]'")
    parser.add_argument('--precision', choices=('fp32', 'bf16', 'fp16'), default='fp32')
    parser.add_argument('--channels-last', action='store_true')
    parser.add_argument('--compile', action='store_true', help='torch.compile the graph')
    parser.add_argument('--threads', type=int, help='torch (and ONNX Runtime) CPU threads')
    parser.add_argument('--height', type=int, default=256)
    parser.add_argument('--width', type=int, default=192)
    parser.add_argument('--json', help='write the result to this JSON file')
    parser.add_argument('--onnx', help='also time this exported ONNX model (ONNX Runtime)')
    parser.add_argument('--reference', action='store_true',
                        help='also time the reference graph (unfused, 49-shift correlation)')
    parser.add_argument('--compare-fp32', action='store_true',
                        help='also time the eager fast graph in fp32 (bf16 speed-up)')
    parser.add_argument('--compare-eager', action='store_true',
                        help='with --compile: also time the same graph eager (compile gain)')
    parser.add_argument('--compare-config', nargs='+', default=[], metavar='CONFIG',
                        help='also time the same graph of these configs (random weights, '
                             'same precision and memory format), interleaved')
    parser.add_argument('--graph', choices=GRAPHS, default='fast',
                        help="inference graph: 'fast' (default), 'model' (as built, plain "
                             "autocast) or 'reference'")
    parser.add_argument('--peak', action='store_true',
                        help='measure the conv peak GFLOP/s of the machine (fp32, bf16)')
    parser.add_argument('--no-profile', action='store_true', help='skip the time split')
    parser.add_argument('--no-flops', action='store_true', help='skip FLOP counting')
    parser.add_argument('--check-accuracy', type=int, nargs='?', const=16, default=0,
                        metavar='N', help='compare the graph with the fp32 model on N '
                        'synthetic test pairs (default 16): PSNR and max abs diff')
    parser.add_argument('--num-workers', type=int, default=1, help='train dataloader workers')
    parser.add_argument('--data-root', help='existing synthetic dataset (default: generated)')
    parser.add_argument('--seed', type=int, default=0)
    return parser.parse_args(argv)


def check_inputs(args) -> None:
    """Every file, folder and the device, before a model is built."""
    check_device(args.device)
    if args.checkpoint:
        check_checkpoint_file(args.checkpoint)  # missing, empty, truncated: before building
    if args.onnx:
        require_file(args.onnx, 'ONNX model', 'export one with tools/deploy/export_onnx.py')
    if args.data_root:
        require_dir(args.data_root, 'dataset folder',
                    'make one with tools/dataset/make_synthetic.py, or leave out --data-root')
    if args.compare_config and args.mode != 'inference':
        raise UserError('--compare-config times inference graphs', f'--mode {args.mode}',
                        'leave out --compare-config, or use --mode inference')


def model_input_error(error: Exception, args) -> Optional[UserError]:
    """The user error of a model that rejects the sizes, else None (a checkpoint that
    does not fit is a ``WeightsMismatchError``, reported as one line by ``run_tool``)."""
    message = str(error.args[0]) if error.args else str(error)
    if isinstance(error, ValueError) and 'must be multiples of' in message:
        return UserError(message.split(' (')[0], f'--height {args.height} --width '
                         f'{args.width}', 'pick sizes the model takes, e.g. 256 x 192')
    return None


def main(argv=None):
    args = parse_args(argv)
    cfg = load_config(args.config)
    compare_cfgs = {path: load_config(path) for path in args.compare_config}
    check_inputs(args)
    if args.threads:
        torch.set_num_threads(args.threads)
    register_all_modules()
    try:
        run_benchmark(args, cfg, compare_cfgs)
    except ValueError as error:
        user_error = model_input_error(error, args)
        if user_error is None:
            raise
        raise user_error from error


def run_benchmark(args, cfg, compare_cfgs=None) -> None:
    """Time what ``args`` asks for, print the summary and write the JSON."""
    common = dict(batch_size=args.batch_size, height=args.height, width=args.width,
                  iters=args.iters, warmup=args.warmup, device=args.device,
                  precision=args.precision, channels_last=args.channels_last,
                  compile=args.compile, flops=not args.no_flops, seed=args.seed)
    if args.mode == 'train':
        result = run_train_benchmark(cfg, TrainOptions(
            num_workers=args.num_workers, data_root=args.data_root, **common))
    else:
        model, _ = load_tryon_model(cfg, args.checkpoint, args.device, args.seed)
        compare_models = {path: load_tryon_model(other, None, args.device, args.seed)[0]
                          for path, other in (compare_cfgs or {}).items()}
        result = run_inference_benchmark(model, InferenceOptions(
            graph=args.graph, reference=args.reference, compare_fp32=args.compare_fp32,
            compare_eager=args.compare_eager,
            onnx=args.onnx, threads=args.threads,
            profile=not args.no_profile, peak=args.peak, **common), compare_models)
        if args.check_accuracy:
            built = build_graph(model, args.graph, args.precision, args.channels_last)
            result['accuracy_vs_fp32_model'] = synthetic_split_accuracy(
                model, built.fn, (args.height, args.width), args.batch_size,
                args.check_accuracy, args.data_root, args.seed)
    result['config'] = args.config
    result['checkpoint'] = args.checkpoint or 'random weights'
    print('\n'.join(summary_lines(result)))
    if 'accuracy_vs_fp32_model' in result:
        print(f"accuracy vs fp32 model: {result['accuracy_vs_fp32_model']}")
    if args.json:
        write_json(result, args.json)
        print(f'wrote {args.json}')


if __name__ == '__main__':
    sys.exit(run_tool(main))
