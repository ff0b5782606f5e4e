"""Convert the released DM-VTON student weights into a vtonbox checkpoint.

    python tools/model_converters/dmvton_to_vtonbox.py --warp dmvton_pf_warp.pt \\
        --gen dmvton_pf_gen.pt --out checkpoints/dmvton_official.pth

The files may be training states ``{'epoch', 'model', 'optimizer'}`` (the weights are taken
from ``'model'``) or plain state dicts. Every key of both files is mapped onto
``ParserFreeTryOn`` of ``configs/dmvton_student.py`` (built without teacher and losses;
``image_mobile`` / ``cond_mobile`` -> the two ``MobileNetV2Pyramid`` backbones, the flow
head as PF-AFN's, the MobileNetV2 U-Net unchanged) and loaded with ``strict=True``. Each
pyramid's shared smoothing conv, stored five times (``smooth_layers.0..4``), is converted
once after checking that the five copies are equal; ``aflow_net.weight`` (fixed smoothness
filters of a training step) is skipped. Inputs that cannot be converted (missing or
unloadable files, ``--warp`` / ``--gen`` swapped, a vtonbox checkpoint, another method's
file, copies that differ, keys that do not fit) print one ``error:`` line and exit 2
(``--debug`` shows the traceback). The released weights keep their authors' CC BY-NC-SA
4.0 terms. The machinery is shared with the PF-AFN and FS-VTON converters
(:mod:`vtonbox.converters.official_weights`, spec ``DMVTON_SPEC``).
"""
import sys

from vtonbox.converters.official_weights import (
    DMVTON_SPEC,
    converter_arg_parser,
    run_converter,
)
from vtonbox.utils.cli import run_tool


def parse_args(argv=None):
    return converter_arg_parser(DMVTON_SPEC).parse_args(argv)


def main(argv=None) -> int:
    return run_converter(DMVTON_SPEC, parse_args(argv))


if __name__ == '__main__':
    sys.exit(run_tool(main))
