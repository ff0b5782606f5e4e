"""Convert the released FS-VTON (Flow-Style-VTON) test weights into a vtonbox checkpoint.

    python tools/model_converters/fsvton_to_vtonbox.py \\
        --warp non_aug/PFAFN_warp_epoch_101.pth --gen non_aug/PFAFN_gen_epoch_101.pth \\
        --out checkpoints/fsvton_official.pth

The ``aug/`` and ``non_aug/`` releases have the same keys; both convert. Every key of
both files is mapped onto ``ParserFreeTryOn`` of ``configs/fsvton_student.py`` (built
without teacher and losses; the style-flow head ``aflow_net.*`` -> ``warper.*`` by prefix
renames) and loaded with ``strict=True``; ``aflow_net.weight`` (fixed smoothness filters)
is skipped. Inputs that cannot be converted (missing or unloadable files, ``--warp`` /
``--gen`` swapped, a vtonbox checkpoint, a PF-AFN file, keys that do not fit) print one
``error:`` line and exit 2 (``--debug`` shows the traceback). The released weights keep
their authors' CC BY-NC-SA 4.0 terms. The machinery is shared with the PF-AFN converter
(:mod:`vtonbox.converters.official_weights`, spec ``FSVTON_SPEC``).
"""
import sys

from vtonbox.converters.official_weights import (
    FSVTON_SPEC,
    converter_arg_parser,
    run_converter,
)
from vtonbox.utils.cli import run_tool


def parse_args(argv=None):
    return converter_arg_parser(FSVTON_SPEC).parse_args(argv)


def main(argv=None) -> int:
    return run_converter(FSVTON_SPEC, parse_args(argv))


if __name__ == '__main__':
    sys.exit(run_tool(main))
