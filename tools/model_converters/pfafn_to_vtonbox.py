"""Convert the released PF-AFN test weights into a vtonbox checkpoint.

    python tools/model_converters/pfafn_to_vtonbox.py --warp warp_model_final.pth \\
        --gen gen_model_final.pth --out checkpoints/pfafn_official.pth

Every key of both files is mapped onto ``ParserFreeTryOn`` of the config (built without
teacher and losses) and loaded with ``strict=True``; the output is an MMEngine
checkpoint for ``tools/test.py``, ``tools/demo.py`` and ``load_checkpoint``. Inputs that
cannot be converted (missing or unloadable files, ``--warp`` / ``--gen`` swapped, a file
that already is a vtonbox checkpoint, keys that do not fit) print one ``error:`` line and
exit 2 (``--debug`` shows the traceback). The official weights keep their authors'
non-commercial licence terms.
"""
import argparse
import sys

from vtonbox.converters.official_weights import convert_official_checkpoints
from vtonbox.utils.cli import CfgOptionsAction, run_tool
from vtonbox.utils.model_loading import DEFAULT_CONFIG


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Convert official PF-AFN weights (warp_model_final.pth + '
                    'gen_model_final.pth) into a vtonbox checkpoint')
    parser.add_argument('--warp', required=True, help='official warp_model_final.pth')
    parser.add_argument('--gen', required=True, help='official gen_model_final.pth')
    parser.add_argument('--out', required=True, help='output checkpoint (.pth)')
    parser.add_argument('--config', default=DEFAULT_CONFIG,
                        help=f'config of the target model (default: {DEFAULT_CONFIG})')
    parser.add_argument('--cfg-options', nargs='+', action=CfgOptionsAction,
                        help='override config entries of the target model')
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    result = convert_official_checkpoints(args.warp, args.gen, args.out, args.config,
                                          args.cfg_options)
    print(f'mapped {result.num_warp_keys} warp keys ({args.warp}) and '
          f'{result.num_generator_keys} generator keys ({args.gen}) onto '
          f'{result.meta["model_type"]} of {args.config}; loaded with strict=True')
    ignored = ', '.join(result.ignored_keys) or 'none'
    print(f'ignored input keys: {ignored}')
    print(f'sha256 warp {result.meta["sha256"]["warp"]}')
    print(f'sha256 gen  {result.meta["sha256"]["generator"]}')
    print(f'written: {args.out}')
    return 0


if __name__ == '__main__':
    sys.exit(run_tool(main))
