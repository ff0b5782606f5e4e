"""Convert the released PF-AFN test weights into a vtonbox checkpoint.

    python tools/model_converters/pfafn_to_vtonbox.py --warp warp_model_final.pth \\
        --gen gen_model_final.pth --out checkpoints/pfafn_official.pth

Every key of both files is mapped onto ``ParserFreeTryOn`` of the config (built without
teacher and losses) and loaded with ``strict=True``; the output is an MMEngine
checkpoint for ``tools/test.py``, ``tools/demo.py`` and ``load_checkpoint``. Inputs that
cannot be converted (missing or unloadable files, ``--warp`` / ``--gen`` swapped, a file
that already is a vtonbox checkpoint, keys that do not fit) print one ``error:`` line and
exit 2 (``--debug`` shows the traceback). The official weights keep their authors'
non-commercial licence terms. The machinery is shared with the FS-VTON converter
(:mod:`vtonbox.converters.official_weights`, spec ``PFAFN_SPEC``).
"""
import sys

from vtonbox.converters.official_weights import (
    PFAFN_SPEC,
    converter_arg_parser,
    run_converter,
)
from vtonbox.utils.cli import run_tool


def parse_args(argv=None):
    return converter_arg_parser(PFAFN_SPEC).parse_args(argv)


def main(argv=None) -> int:
    return run_converter(PFAFN_SPEC, parse_args(argv))


if __name__ == '__main__':
    sys.exit(run_tool(main))
