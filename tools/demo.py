"""Try garments on people from photos and save the results as PNG.

    python tools/demo.py --person person.jpg --cloth shirt.jpg \\
        --checkpoint pfafn_official.pth --out-dir outputs/demo [--save-strip]
    python tools/demo.py --pairs data/VITON_test/test_pairs.txt --mask-dir test_edge \\
        --checkpoint pfafn_official.pth --out-dir outputs/viton --batch-size 8

Writes ``<person stem>__<garment stem>.png`` at each person photo's size. Every path
(photos, masks, config, checkpoint, a writable output folder) is checked before the model
is loaded. Bad input (missing or unreadable file, tiny photo, checkpoint that does not fit
the config, unknown device) prints one line ``error: ...`` and exits with code 2;
``--debug`` shows its traceback.
"""
import argparse
import os
import os.path as osp
import sys
import warnings

from mmengine.config import DictAction

from vtonbox.apis import DEFAULT_CONFIG, TryOnInferencer, TryOnInputWarning, resolve_pair_list
from vtonbox.apis.model_loading import resolve_config_path
from vtonbox.utils.cli import EXIT_USER_ERROR, UserError, one_line, run_tool
from vtonbox.utils.state_dict import WeightsMismatchError

#: Exit code for bad input or set-up (as argparse uses for bad arguments).
EXIT_BAD_INPUT = EXIT_USER_ERROR


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Virtual try-on of garment photos on person photos (PF-AFN)')
    inputs = parser.add_argument_group('pairs (give --person and --cloth, or --pairs)')
    inputs.add_argument('--person', nargs='+', help='person photo(s)')
    inputs.add_argument('--cloth', nargs='+',
                        help='garment photo(s): as many as persons, or one for all')
    inputs.add_argument('--cloth-mask', nargs='+',
                        help='garment mask(s), one per garment (default: made by the '
                        'cloth-mask parser)')
    inputs.add_argument('--pairs', help='pair list: "person.jpg cloth.jpg" per line')
    inputs.add_argument('--data-root',
                        help='folder the pair-list names are relative to (default: the '
                        "pair list's folder; test_img/ and test_clothes/ are searched too)")
    inputs.add_argument('--mask-dir', help='garment mask folder for --pairs (relative to '
                        'the data root), e.g. test_edge')
    parser.add_argument('--config', default=DEFAULT_CONFIG, help='model config')
    parser.add_argument('--checkpoint', required=True, help='model weights')
    parser.add_argument('--out-dir', required=True, help='folder for the try-on PNGs')
    parser.add_argument('--device', default='cpu', help="'cpu', 'cuda' or 'cuda:N'")
    parser.add_argument('--precision', default='fp32', choices=('fp32', 'bf16', 'fp16'),
                        help='precision (bf16 is fast on CPUs with AMX / AVX512-BF16)')
    parser.add_argument('--channels-last', action='store_true', default=None,
                        help='channels-last memory format (default: on for the fast graph)')
    parser.add_argument('--no-optimize', dest='optimize', action='store_false', default=None,
                        help='run the model as built (exactly what tools/test.py runs) '
                             'instead of the fast inference graph')
    parser.add_argument('--batch-size', type=int, default=1, help='pairs per forward pass')
    parser.add_argument('--save-strip', action='store_true',
                        help='also save person | garment | try-on strips in OUT_DIR/strips')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override config entries')
    parser.add_argument('--debug', action='store_true',
                        help='show the traceback of user errors')
    args = parser.parse_args(argv)
    if args.pairs:
        if args.person or args.cloth or args.cloth_mask:
            parser.error('give either --pairs or --person/--cloth, not both')
    elif not (args.person and args.cloth):
        parser.error('give --person and --cloth (or --pairs)')
    elif args.data_root or args.mask_dir:
        parser.error('--data-root and --mask-dir go with --pairs')
    if args.batch_size < 1:
        parser.error('--batch-size must be at least 1')
    return args


class _WarningPrinter:
    """``warnings.showwarning`` that prints ``warning: <message>`` once per message."""

    def __init__(self):
        self.seen = set()

    def __call__(self, message, category, filename, lineno, file=None, line=None):
        text = str(message)
        if text not in self.seen:
            self.seen.add(text)
            print(f'warning: {text}', file=sys.stderr)


#: The option that names each kind of input (for messages).
_FLAGS = {'person photo': 'person', 'garment photo': 'cloth', 'garment mask': 'cloth-mask'}


def check_input_files(persons, cloths, masks) -> None:
    """Every named photo and mask exists (before the model is loaded)."""
    for role, paths in (('person photo', persons), ('garment photo', cloths),
                        ('garment mask', masks or ())):
        for path in paths:
            if path is not None and not osp.isfile(path):
                what = 'is a folder, not a file' if osp.isdir(path) else 'not found'
                raise UserError(f'{role} {what}', path,
                                f'check the path given with --{_FLAGS[role]}')


def check_out_dir(out_dir: str) -> None:
    """``out_dir`` is a writable folder, or can be made in a writable one."""
    path = osp.abspath(out_dir)
    if osp.exists(path) and not osp.isdir(path):
        raise UserError('--out-dir is a file, not a folder', out_dir,
                        'pass a folder (it is created when missing)')
    existing = path
    while not osp.exists(existing):
        existing = osp.dirname(existing)
    if not osp.isdir(existing):
        raise UserError('--out-dir is inside a file', out_dir, 'pass a folder path')
    if not os.access(existing, os.W_OK | os.X_OK):
        raise UserError('output folder is not writable', existing,
                        'pass another --out-dir or fix its permissions')


def check_setup_files(args) -> None:
    """Config, checkpoint and output folder, before the model is loaded."""
    resolve_config_path(args.config)  # InferenceSetupError naming the file
    if not osp.isfile(args.checkpoint):
        what = 'is a folder, not a file' if osp.isdir(args.checkpoint) else 'not found'
        raise UserError(f'checkpoint {what}', args.checkpoint,
                        'pass the model weights with --checkpoint (see '
                        'docs/user_guides/inference.md)')
    check_out_dir(args.out_dir)


def run(args) -> int:
    if args.pairs:
        persons, cloths, masks = resolve_pair_list(args.pairs, args.data_root, args.mask_dir)
    else:
        persons, cloths, masks = args.person, args.cloth, args.cloth_mask
        check_input_files(persons, cloths, masks)
    check_setup_files(args)
    inferencer = TryOnInferencer(args.config, args.checkpoint, device=args.device,
                                 precision=args.precision, channels_last=args.channels_last,
                                 cfg_options=args.cfg_options, optimize=args.optimize)
    paths = inferencer.run_to_dir(persons, cloths, masks, out_dir=args.out_dir,
                                  batch_size=args.batch_size, save_strip=args.save_strip,
                                  show_progress=True)
    out_dir = osp.abspath(args.out_dir)
    print(f'Saved {len(paths)} try-on image(s) to {out_dir}')
    if args.save_strip:
        print(f'Strips (person | garment | try-on) in {osp.join(out_dir, "strips")}')
    return 0


def demo(argv) -> int:
    args = parse_args(argv)
    with warnings.catch_warnings():
        warnings.simplefilter('always', TryOnInputWarning)
        warnings.showwarning = _WarningPrinter()
        try:
            return run(args)
        except WeightsMismatchError as err:  # several lines: keys that do not fit
            raise UserError(one_line(str(err))) from None
        except OSError as err:  # e.g. the disk filled up while writing the results
            if isinstance(err, FileNotFoundError) or not err.filename:
                raise
            raise UserError(f'cannot write ({err.strerror})', err.filename,
                            'check --out-dir and the free disk space') from None


def main(argv=None) -> int:
    return run_tool(demo, argv)


if __name__ == '__main__':
    sys.exit(main())
