"""Convert released official test weights (PF-AFN, FS-VTON) into vtonbox checkpoints.

Both methods release a parser-free student as two plain state dicts: a warp file (upstream
``AFWM(3)``: encoders, FPNs and a flow head ``aflow_net.*``) and a generator file
(``ResUnetGenerator(7, 4, 5)``). Their keys map onto :class:`ParserFreeTryOn` by prefix
renames only. One generic machinery does the work; what differs per method is a
:class:`ConverterSpec` (its name, default config, warp prefix renames, skipped keys, file
names, the prefixes only its flow head has): :data:`PFAFN_SPEC` (reference §5) and
:data:`FSVTON_SPEC` (the style-flow head, renames from
:data:`vtonbox.models.warpers.style_flow_warper.OFFICIAL_KEY_RENAMES`).

The warp keys get the spec's renames and then ``warp_model.``, the generator keys
(``model.model...``, already identical to ours) get ``generator.``. Upstream's
training-only ``aflow_net.weight`` (fixed smoothness filters, 4x1x3x3) is skipped.
Anything else that does not fit (missing or unknown keys, other shapes) is an error naming
the keys by their official names (long lists summarised), on one line. Common mistakes are
recognised before the key lists: ``--warp`` and ``--gen`` passed the other way round, a file
that already is a vtonbox checkpoint (converted before, or written by ``tools/train.py``),
the same kind of file twice, and the other method's warp file.

Configs, models and strict loading come from :mod:`vtonbox.utils.model_loading`
(``build_model_from_config`` is its :func:`~vtonbox.utils.model_loading.build_model`).
The command-line tools (``tools/model_converters/pfafn_to_vtonbox.py``,
``fsvton_to_vtonbox.py``) are :func:`converter_arg_parser` + :func:`run_converter` of
their spec.
"""
import argparse
import os
import os.path as osp
from dataclasses import dataclass, field
from typing import Dict, List, Mapping, Optional, Sequence, Tuple

import torch
from torch import Tensor, nn

from vtonbox.models.warpers.style_flow_warper import (
    OFFICIAL_IGNORED_KEYS as FSVTON_IGNORED_KEYS,
)
from vtonbox.models.warpers.style_flow_warper import (
    OFFICIAL_KEY_RENAMES as FSVTON_HEAD_RENAMES,
)
from vtonbox.utils.checkpoint import load_checkpoint_file, state_dict_of
from vtonbox.utils.cli import CfgOptionsAction, UserError
from vtonbox.utils.files import file_sha256
from vtonbox.utils.model_loading import (
    DEFAULT_CONFIG,
    load_config,
    load_weights_strictly,
    mismatch_message,
)
from vtonbox.utils.model_loading import build_model as build_model_from_config
from vtonbox.utils.state_dict import WeightsMismatchError, compare_state_dict, listed
from vtonbox.version import __version__

#: Upstream AFWM encoder / FPN key prefixes -> FlowWarpModel prefixes (PF-AFN and FS-VTON).
ENCODER_PREFIX_RENAMES = (
    ('image_features.', 'cloth_encoder.'),
    ('cond_features.', 'cond_encoder.'),
    ('image_FPN.', 'cloth_fpn.'),
    ('cond_FPN.', 'cond_fpn.'),
)
#: Upstream PF-AFN AFWM key prefixes -> FlowWarpModel attribute prefixes.
WARP_PREFIX_RENAMES = ENCODER_PREFIX_RENAMES + (
    ('aflow_net.netMain.', 'warper.main_nets.'),
    ('aflow_net.netRefine.', 'warper.refine_nets.'),
)
#: Keys of upstream PF-AFN files that carry no learnt weights and are skipped.
IGNORED_WARP_KEYS = ('aflow_net.weight',)
#: Prefix of every upstream ResUnetGenerator key (kept unchanged).
GENERATOR_KEY_ROOT = 'model.'
#: Where the two parts live in ParserFreeTryOn.
WARP_MODULE = 'warp_model'
GENERATOR_MODULE = 'generator'
#: How many keys of each kind a one-line mismatch message names.
LISTED_KEYS = 4
#: Key prefixes of a vtonbox ParserFreeTryOn checkpoint (not an official file).
VTONBOX_PREFIXES = (f'{WARP_MODULE}.', f'{GENERATOR_MODULE}.')
#: Official PF-AFN file names, for messages.
OFFICIAL_FILES = dict(warp='warp_model_final.pth', generator='gen_model_final.pth')


@dataclass(frozen=True)
class ConverterSpec:
    """What one method's released weights look like (the per-method key table).

    Attributes:
        name (str): the method, for messages (``'PF-AFN'``).
        default_config (str): the config the released weights fit.
        tool (str): the converter command-line tool of this method.
        warp_renames (tuple): ``(official prefix, FlowWarpModel prefix)`` pairs of the
            warp file's keys (then ``warp_model.`` is prepended).
        ignored_warp_keys (tuple[str]): warp-file keys skipped on purpose.
        official_files (Mapping[str, str]): ``warp`` / ``generator`` file names.
        head_prefixes (tuple[str]): warp-file prefixes only this method's flow head has
            (to recognise the other method's file).
        license (str): the weights' terms, recorded in the checkpoint's ``meta``.
        generator_key_root (str): prefix of every generator-file key.
    """

    name: str
    default_config: str
    tool: str
    warp_renames: Tuple[Tuple[str, str], ...]
    ignored_warp_keys: Tuple[str, ...]
    official_files: Mapping[str, str]
    head_prefixes: Tuple[str, ...]
    license: str
    generator_key_root: str = GENERATOR_KEY_ROOT

    def rename_warp_key(self, key: str) -> Optional[str]:
        """The ``ParserFreeTryOn`` key of an official warp key (None: not convertible)."""
        for old, new in self.warp_renames:
            if key.startswith(old):
                return f'{WARP_MODULE}.{new}{key[len(old):]}'
        return None

    def has_head(self, state: Mapping[str, Tensor]) -> bool:
        """Whether ``state`` holds keys of this method's flow head."""
        return any(k.startswith(self.head_prefixes) for k in state)


PFAFN_SPEC = ConverterSpec(
    name='PF-AFN',
    default_config=DEFAULT_CONFIG,
    tool='tools/model_converters/pfafn_to_vtonbox.py',
    warp_renames=WARP_PREFIX_RENAMES,
    ignored_warp_keys=IGNORED_WARP_KEYS,
    official_files=OFFICIAL_FILES,
    head_prefixes=('aflow_net.netMain.',),
    license='PF-AFN authors\' weights: their non-commercial terms apply')
FSVTON_SPEC = ConverterSpec(
    name='FS-VTON',
    default_config='configs/fsvton_student.py',
    tool='tools/model_converters/fsvton_to_vtonbox.py',
    warp_renames=ENCODER_PREFIX_RENAMES + tuple(FSVTON_HEAD_RENAMES),
    ignored_warp_keys=tuple(FSVTON_IGNORED_KEYS),
    official_files=dict(warp='PFAFN_warp_epoch_101.pth', generator='PFAFN_gen_epoch_101.pth'),
    head_prefixes=('aflow_net.netStyle.', 'aflow_net.netF.'),
    license='FS-VTON authors\' weights: CC BY-NC-SA 4.0 (non-commercial, share-alike)')
#: Every method with released weights, by tool name stem.
CONVERTER_SPECS = dict(pfafn=PFAFN_SPEC, fsvton=FSVTON_SPEC)


class OfficialWeightsError(UserError, ValueError):
    """The files given to the converter are not the two official state dicts (swapped,
    already converted, the same kind twice, the other method's, non-tensor entries)."""


@dataclass
class ConversionResult:
    """Converted weights and what happened to every input key.

    Attributes:
        state_dict (dict): ``ParserFreeTryOn`` keys -> tensors (the model's dtypes).
        num_warp_keys (int): warp-file keys mapped.
        num_generator_keys (int): generator-file keys mapped.
        ignored_keys (list[str]): skipped input keys as ``'<part>:<key>'``.
        meta (dict): provenance written next to the weights (filled by the writer).
    """

    state_dict: Dict[str, Tensor]
    num_warp_keys: int
    num_generator_keys: int
    ignored_keys: List[str] = field(default_factory=list)
    meta: dict = field(default_factory=dict)


def official_to_vtonbox_keys(warp_state: Dict[str, Tensor], gen_state: Dict[str, Tensor],
                             spec: ConverterSpec = PFAFN_SPEC
                             ) -> Tuple[Dict[str, Tensor], List[str], List[str]]:
    """Rename the keys of the two official state dicts.

    Returns:
        tuple: ``(renamed, ignored, unknown)``; ``renamed`` maps vtonbox keys to the
        input tensors, ``ignored`` / ``unknown`` list input keys as ``'warp:<key>'`` /
        ``'generator:<key>'`` (skipped on purpose / not convertible).
    """
    renamed, ignored, unknown = {}, [], []
    for key, value in warp_state.items():
        new_key = spec.rename_warp_key(key)
        if key in spec.ignored_warp_keys:
            ignored.append(f'warp:{key}')
        elif new_key is None:
            unknown.append(f'warp:{key}')
        else:
            renamed[new_key] = value
    for key, value in gen_state.items():
        if key.startswith(spec.generator_key_root):
            renamed[f'{GENERATOR_MODULE}.{key}'] = value
        else:
            unknown.append(f'generator:{key}')
    return renamed, ignored, unknown


def official_part(state: Dict[str, Tensor], spec: ConverterSpec = PFAFN_SPEC
                  ) -> Optional[str]:
    """``'warp'`` or ``'generator'`` when most keys look like that official file's, else
    None (``'vtonbox'`` when any key is a vtonbox ``ParserFreeTryOn`` key)."""
    if any(k.startswith(VTONBOX_PREFIXES) for k in state):
        return 'vtonbox'
    warp = sum(k in spec.ignored_warp_keys or spec.rename_warp_key(k) is not None
               for k in state)
    gen = sum(k.startswith(spec.generator_key_root) for k in state)
    if warp * 2 > len(state):
        return 'warp'
    if gen * 2 > len(state):
        return 'generator'
    return None


def other_method(warp_state: Dict[str, Tensor], spec: ConverterSpec
                 ) -> Optional[ConverterSpec]:
    """The other method whose flow head ``warp_state`` holds, when it lacks ``spec``'s."""
    if spec.has_head(warp_state):
        return None
    for other in CONVERTER_SPECS.values():
        if other.name != spec.name and other.has_head(warp_state):
            return other
    return None


def check_official_inputs(warp_state: Dict[str, Tensor], gen_state: Dict[str, Tensor],
                          warp_path: str = '--warp', gen_path: str = '--gen',
                          spec: ConverterSpec = PFAFN_SPEC) -> None:
    """Recognise swapped, already converted, doubled or other-method inputs before
    comparing keys.

    Raises:
        OfficialWeightsError: saying which mistake it is and what to pass instead.
    """
    files = spec.official_files
    parts = dict(warp=official_part(warp_state, spec),
                 generator=official_part(gen_state, spec))
    options = dict(warp=('--warp', warp_path), generator=('--gen', gen_path))
    converted = [name for name, part in parts.items() if part == 'vtonbox']
    if converted:
        names = ' and '.join(options[n][0] for n in converted)
        paths = ', '.join(options[n][1] for n in converted)
        example = options[converted[0]][1]
        raise OfficialWeightsError(
            f'{names} {"is" if len(converted) == 1 else "are"} already converted (keys '
            f'{", ".join(p + "*" for p in VTONBOX_PREFIXES)}): a vtonbox checkpoint',
            paths, f'no conversion needed; use it directly, e.g. python tools/test.py '
            f'{spec.default_config} {example}')
    if parts == dict(warp='generator', generator='warp'):
        raise OfficialWeightsError(
            '--warp and --gen look swapped: --warp holds generator keys (model.*) and --gen '
            'warp keys (image_features.*, aflow_net.*)', f'{warp_path}, {gen_path}',
            f'pass them the other way round: --warp {files["warp"]} '
            f'--gen {files["generator"]}')
    for name, other in (('warp', 'generator'), ('generator', 'warp')):
        if parts[name] == other and parts[other] == other:
            option, path = options[name]
            raise OfficialWeightsError(
                f'{option} holds {other} weights too (keys like those of '
                f'{options[other][0]})', path,
                f'pass the official {files[name]} as {option}')
    other = other_method(warp_state, spec) if parts['warp'] == 'warp' else None
    if other is not None:
        heads = ', '.join(p + '*' for p in other.head_prefixes)
        raise OfficialWeightsError(
            f'--warp holds {other.name} warp weights ({heads}), not {spec.name} ones',
            warp_path,
            f'convert it with python {other.tool} (for {other.default_config}), or pass the '
            f'{spec.name} {files["warp"]}')


def vtonbox_to_official_key(key: str, spec: ConverterSpec = PFAFN_SPEC) -> str:
    """The official file and key a ``ParserFreeTryOn`` key comes from (for messages)."""
    if key.startswith(f'{GENERATOR_MODULE}.'):
        return f'generator:{key[len(GENERATOR_MODULE) + 1:]}'
    if key.startswith(f'{WARP_MODULE}.'):
        rest = key[len(WARP_MODULE) + 1:]
        for old, new in spec.warp_renames:
            if rest.startswith(new):
                return f'warp:{old}{rest[len(new):]}'
    return key


def convert_official_state_dicts(warp_state: Dict[str, Tensor],
                                 gen_state: Dict[str, Tensor],
                                 model: nn.Module, warp_path: str = '--warp',
                                 gen_path: str = '--gen',
                                 spec: ConverterSpec = PFAFN_SPEC) -> ConversionResult:
    """Map the official warp and generator state dicts onto ``model`` and load them.

    Every model key must come from the inputs with the same shape, and every input key
    must be used except ``spec.ignored_warp_keys``; the model is then loaded with
    ``strict=True`` (so it holds the converted weights afterwards).

    Args:
        warp_state (dict): the official warp file (``image_features.*`` ...).
        gen_state (dict): the official generator file (``model.model.*``).
        model (nn.Module): a ``ParserFreeTryOn`` built for inference.
        warp_path (str): the warp file, for messages.
        gen_path (str): the generator file, for messages.
        spec (ConverterSpec): the method (default PF-AFN).

    Raises:
        OfficialWeightsError: swapped or already converted inputs, non-tensor entries.
        WeightsMismatchError: listing missing keys and unknown / shape-mismatched input
        keys by their official names (``warp:<key>``, ``generator:<key>``), on one line.
    """
    for name, state, path in (('warp', warp_state, warp_path),
                              ('generator', gen_state, gen_path)):
        bad = [k for k, v in state.items() if not isinstance(v, Tensor)]
        if bad:
            raise OfficialWeightsError(
                f'{name} weights hold non-tensor entries: {listed(bad, LISTED_KEYS)}', path,
                f'pass the official {spec.official_files[name]}')
    check_official_inputs(warp_state, gen_state, warp_path, gen_path, spec)
    renamed, ignored, unknown = official_to_vtonbox_keys(warp_state, gen_state, spec)
    missing, extra, shapes = compare_state_dict(model, renamed)
    unexpected = unknown + [vtonbox_to_official_key(k, spec) for k in extra]
    if missing or unexpected or shapes:
        missing = [vtonbox_to_official_key(k, spec) for k in missing]
        shapes = [(vtonbox_to_official_key(k, spec), a, b) for k, a, b in shapes]
        raise WeightsMismatchError(
            mismatch_message(f'the official {spec.name} weights and the model do not match',
                             missing, unexpected, shapes, limit=LISTED_KEYS),
            missing, unexpected, shapes)
    expected = model.state_dict()
    converted = {k: renamed[k].detach().to(expected[k].dtype).clone() for k in expected}
    load_weights_strictly(model, converted)
    num_warp = sum(k.startswith(f'{WARP_MODULE}.') for k in converted)
    return ConversionResult(converted, num_warp, len(converted) - num_warp, ignored)


def read_official_file(path: str, option: str, spec: ConverterSpec = PFAFN_SPEC
                       ) -> Dict[str, Tensor]:
    """The state dict of one input file (``state_dict`` taken, ``module.`` stripped).

    Raises:
        OfficialWeightsError: the file is an MMEngine checkpoint with ``meta`` (written by
            vtonbox: converted before or trained), not an official file.
    """
    checkpoint = load_checkpoint_file(path)
    if isinstance(checkpoint, dict) and 'meta' in checkpoint and 'state_dict' in checkpoint:
        raise OfficialWeightsError(
            f'{option} is already converted (it has `meta` and `state_dict`): a vtonbox '
            'checkpoint', path, f'no conversion needed; use it directly, e.g. python '
            f'tools/test.py {spec.default_config} {path}')
    return state_dict_of(checkpoint, path)


def convert_official_checkpoints(warp_path: str, gen_path: str, out_path: str,
                                 config: Optional[str] = None,
                                 cfg_options: Optional[dict] = None,
                                 spec: ConverterSpec = PFAFN_SPEC) -> ConversionResult:
    """Read the two official files, convert, check by loading, write an MMEngine checkpoint.

    The output is ``dict(state_dict=..., meta=dict(converted_from=..., sha256=...,
    vtonbox_version=..., config=..., ignored_keys=..., license=...))``, loadable with
    ``mmengine.runner.load_checkpoint`` and ``torch.load(weights_only=True)``.

    Checked in this order, each before the slower steps: the config exists, both inputs
    load (``weights_only=True``), neither is a vtonbox checkpoint already, they are not
    swapped (nor the other method's); then the model is built and the keys compared.

    Args:
        config (str, optional): the target config; None: ``spec.default_config``.
        spec (ConverterSpec): the method (default PF-AFN).

    Raises:
        UserError: the config is missing; :class:`CheckpointError` for an input that is
            missing or cannot be loaded; :class:`OfficialWeightsError` (see
            :func:`check_official_inputs`).
        WeightsMismatchError: the inputs do not fit the config's model.
    """
    config = spec.default_config if config is None else config
    cfg = load_config(config, cfg_options, not_found_todo=f'check the path (the released '
                      f'weights fit {spec.default_config})')
    warp_state = read_official_file(warp_path, '--warp', spec)
    gen_state = read_official_file(gen_path, '--gen', spec)
    check_official_inputs(warp_state, gen_state, warp_path, gen_path, spec)
    model = build_model_from_config(cfg, config_name=config)
    result = convert_official_state_dicts(warp_state, gen_state, model, warp_path, gen_path,
                                          spec)
    result.meta = dict(
        converted_from=dict(warp=osp.basename(warp_path), generator=osp.basename(gen_path)),
        sha256=dict(warp=file_sha256(warp_path), generator=file_sha256(gen_path)),
        vtonbox_version=__version__,
        config=config,
        model_type=type(model).__name__,
        ignored_keys=list(result.ignored_keys),
        license=spec.license)
    out_dir = osp.dirname(osp.abspath(out_path))
    os.makedirs(out_dir, exist_ok=True)
    torch.save(dict(state_dict=result.state_dict, meta=result.meta), out_path)
    return result


# ----------------------------------------------------------------------------- the CLIs
def converter_arg_parser(spec: ConverterSpec) -> argparse.ArgumentParser:
    """``--warp --gen --out [--config] [--cfg-options]`` of a method's converter tool."""
    files = spec.official_files
    parser = argparse.ArgumentParser(
        description=f'Convert official {spec.name} weights ({files["warp"]} + '
                    f'{files["generator"]}) into a vtonbox checkpoint')
    parser.add_argument('--warp', required=True, help=f'official {files["warp"]}')
    parser.add_argument('--gen', required=True, help=f'official {files["generator"]}')
    parser.add_argument('--out', required=True, help='output checkpoint (.pth)')
    parser.add_argument('--config', default=spec.default_config,
                        help=f'config of the target model (default: {spec.default_config})')
    parser.add_argument('--cfg-options', nargs='+', action=CfgOptionsAction,
                        help='override config entries of the target model')
    return parser


def run_converter(spec: ConverterSpec, args: argparse.Namespace) -> int:
    """Convert as the parsed ``args`` say and print what was done (0 on success; user
    errors are raised for :func:`vtonbox.utils.cli.run_tool` to print on one line)."""
    result = convert_official_checkpoints(args.warp, args.gen, args.out, args.config,
                                          args.cfg_options, spec)
    print(f'mapped {result.num_warp_keys} warp keys ({args.warp}) and '
          f'{result.num_generator_keys} generator keys ({args.gen}) onto '
          f'{result.meta["model_type"]} of {args.config}; loaded with strict=True')
    ignored = ', '.join(result.ignored_keys) or 'none'
    print(f'ignored input keys: {ignored}')
    print(f'sha256 warp {result.meta["sha256"]["warp"]}')
    print(f'sha256 gen  {result.meta["sha256"]["generator"]}')
    print(f'written: {args.out}')
    return 0


def converter_main(spec: ConverterSpec, argv: Optional[Sequence[str]] = None) -> int:
    """Parse ``argv`` (default ``sys.argv[1:]``) and run the converter of ``spec``."""
    return run_converter(spec, converter_arg_parser(spec).parse_args(argv))
