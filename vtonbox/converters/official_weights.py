"""Convert released official test weights (PF-AFN, FS-VTON, DM-VTON) into vtonbox checkpoints.

Each method releases a parser-free student as two files: a warp file (upstream ``AFWM(3)``
or DM-VTON's ``MobileAFWM(3)``: two feature pyramids and a flow head ``aflow_net.*``) and a
generator file (``ResUnetGenerator(7, 4, 5)`` or DM-VTON's MobileNetV2 U-Net). Their keys
map onto :class:`ParserFreeTryOn` by prefix renames only. One generic machinery does the
work; what differs per method is a :class:`ConverterSpec` (its name, default config, warp
prefix renames, skipped keys, file names, the prefixes that identify its warp file, the
generator key roots, modules the file stores several times, the wrapper key of a
training-state file): :data:`PFAFN_SPEC`, :data:`FSVTON_SPEC` (the style-flow head,
renames from :data:`vtonbox.models.warpers.style_flow_warper.OFFICIAL_KEY_RENAMES`) and
:data:`DMVTON_SPEC` (MobileNetV2 pyramids, renames from
:mod:`vtonbox.models.backbones.mobilenet_v2_pyramid`; see ``docs/model_zoo.md``).

The warp keys get the spec's renames and then ``warp_model.``, the generator keys (already
identical to ours) get ``generator.``. Upstream's training-only ``aflow_net.weight`` (fixed
smoothness filters, 4x1x3x3) is skipped. A module that the official file repeats under
several names (DM-VTON's shared smoothing conv, ``smooth_layers.0..4``) is converted once;
its repeats must be present and equal to the first copy. Anything else that does not fit
(missing or unknown keys, other shapes) is an error naming the keys by their official
names (long lists summarised), on one line. Common mistakes are recognised before the key
lists: ``--warp`` and ``--gen`` passed the other way round, a file that already is a
vtonbox checkpoint (converted before, or written by ``tools/train.py``), the same kind of
file twice, and another method's warp or generator file.

Configs, models and strict loading come from :mod:`vtonbox.utils.model_loading`
(``build_model_from_config`` is its :func:`~vtonbox.utils.model_loading.build_model`).
The command-line tools (``tools/model_converters/pfafn_to_vtonbox.py``,
``fsvton_to_vtonbox.py``, ``dmvton_to_vtonbox.py``) are :func:`converter_arg_parser` +
:func:`run_converter` of their spec.
"""
import argparse
import os
import os.path as osp
from dataclasses import dataclass, field
from typing import Dict, List, Mapping, Optional, Sequence, Tuple

import torch
from torch import Tensor, nn

from vtonbox.models.backbones.mobilenet_v2_pyramid import (
    DMVTON_PYRAMID_PREFIX_RENAMES,
    DMVTON_SMOOTH_RENAME,
    SHARED_SMOOTH_COPIES,
)
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
#: Upstream AFlowNet (correlation flow head) prefixes -> FlowWarpModel prefixes (PF-AFN
#: and DM-VTON).
AFLOWNET_PREFIX_RENAMES = (
    ('aflow_net.netMain.', 'warper.main_nets.'),
    ('aflow_net.netRefine.', 'warper.refine_nets.'),
)
#: Upstream PF-AFN AFWM key prefixes -> FlowWarpModel attribute prefixes.
WARP_PREFIX_RENAMES = ENCODER_PREFIX_RENAMES + AFLOWNET_PREFIX_RENAMES
#: DM-VTON MobileAFWM prefixes -> FlowWarpModel(backbone=MobileNetV2Pyramid) prefixes: the
#: first copy of each pyramid's shared smoothing conv (``smooth_layers.0``) becomes its
#: ``smooth_layer`` (listed first: the first matching prefix wins), then the pyramids,
#: then the flow head.
DMVTON_WARP_PREFIX_RENAMES = tuple(
    (old + DMVTON_SMOOTH_RENAME[0], new + DMVTON_SMOOTH_RENAME[1])
    for old, new in DMVTON_PYRAMID_PREFIX_RENAMES
) + DMVTON_PYRAMID_PREFIX_RENAMES + AFLOWNET_PREFIX_RENAMES
#: Keys of upstream PF-AFN files that carry no learnt weights and are skipped.
IGNORED_WARP_KEYS = ('aflow_net.weight',)
#: Prefix of every upstream ResUnetGenerator key (kept unchanged).
GENERATOR_KEY_ROOT = 'model.'
#: Prefixes of the DM-VTON MobileNetV2 U-Net keys (``backbone.features.*``, ``dconv1..4``,
#: ``invres1..4``, ``conv_last``; kept unchanged).
DMVTON_GENERATOR_KEY_ROOTS = ('backbone.features.', 'dconv', 'invres', 'conv_last.')
#: How the PF-AFN / FS-VTON warp files' keys look, for messages.
AFWM_WARP_KEY_HINT = 'image_features.*, aflow_net.*'
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
class SharedCopies:
    """One module that an official file stores several times under different names (the
    same tensors each time): the first copy is converted, the repeats must equal it.

    Attributes:
        what (str): the module, for messages (``'3x3 smoothing conv'``).
        kept (str): official prefix of the converted copy (``image_mobile.smooth_layers.0.``).
        copies (tuple[str]): official prefixes of the repeats (checked, then dropped).
    """

    what: str
    kept: str
    copies: Tuple[str, ...]

    def kept_key(self, key: str) -> Optional[str]:
        """The converted copy's key that repeat ``key`` must equal (None: not a repeat)."""
        for copy in self.copies:
            if key.startswith(copy):
                return self.kept + key[len(copy):]
        return None

    def copy_keys(self, kept_key: str) -> List[str]:
        """The repeats of ``kept_key`` (a key under :attr:`kept`)."""
        rest = kept_key[len(self.kept):]
        return [copy + rest for copy in self.copies]


@dataclass(frozen=True)
class ConverterSpec:
    """What one method's released weights look like (the per-method key table).

    Attributes:
        name (str): the method, for messages (``'PF-AFN'``).
        default_config (str): the config the released weights fit.
        tool (str): the converter command-line tool of this method.
        warp_renames (tuple): ``(official prefix, FlowWarpModel prefix)`` pairs of the
            warp file's keys, the first matching one applies (then ``warp_model.`` is
            prepended).
        ignored_warp_keys (tuple[str]): warp-file keys skipped on purpose.
        official_files (Mapping[str, str]): ``warp`` / ``generator`` file names.
        signature_prefixes (tuple[str]): warp-file prefixes that together identify this
            method's file (its encoders and its flow head; to recognise another method's).
        license (str): the weights' terms, recorded in the checkpoint's ``meta``.
        generator_key_roots (tuple[str]): the prefixes of every generator-file key.
        warp_key_hint (str): how the warp file's keys look, for messages.
        shared_copies (tuple[SharedCopies]): modules the warp file repeats.
        weights_keys (tuple[str]): keys of a training-state file (``{'epoch', 'model',
            'optimizer'}``) under which the weights may sit instead of a plain state dict.
    """

    name: str
    default_config: str
    tool: str
    warp_renames: Tuple[Tuple[str, str], ...]
    ignored_warp_keys: Tuple[str, ...]
    official_files: Mapping[str, str]
    signature_prefixes: Tuple[str, ...]
    license: str
    generator_key_roots: Tuple[str, ...] = (GENERATOR_KEY_ROOT,)
    warp_key_hint: str = AFWM_WARP_KEY_HINT
    shared_copies: Tuple[SharedCopies, ...] = ()
    weights_keys: Tuple[str, ...] = ()

    @property
    def generator_key_hint(self) -> str:
        """How the generator file's keys look, for messages (``'model.*'``)."""
        return ', '.join(root + '*' for root in self.generator_key_roots)

    def rename_warp_key(self, key: str) -> Optional[str]:
        """The ``ParserFreeTryOn`` key of an official warp key (None: not convertible)."""
        for old, new in self.warp_renames:
            if key.startswith(old):
                return f'{WARP_MODULE}.{new}{key[len(old):]}'
        return None

    def shared_copy_of(self, key: str) -> Optional[str]:
        """The first copy's key when ``key`` is a repeat of a shared module, else None."""
        for shared in self.shared_copies:
            kept = shared.kept_key(key)
            if kept is not None:
                return kept
        return None

    def knows_warp_key(self, key: str) -> bool:
        """Whether ``key`` belongs to this method's warp file (converted, repeated or
        skipped)."""
        return (key in self.ignored_warp_keys or self.shared_copy_of(key) is not None
                or self.rename_warp_key(key) is not None)

    def is_generator_key(self, key: str) -> bool:
        return key.startswith(self.generator_key_roots)

    def has_signature(self, state: Mapping[str, Tensor]) -> bool:
        """Whether ``state`` holds keys under every one of :attr:`signature_prefixes`."""
        return all(any(k.startswith(prefix) for k in state)
                   for prefix in self.signature_prefixes)


PFAFN_SPEC = ConverterSpec(
    name='PF-AFN',
    default_config=DEFAULT_CONFIG,
    tool='tools/model_converters/pfafn_to_vtonbox.py',
    warp_renames=WARP_PREFIX_RENAMES,
    ignored_warp_keys=IGNORED_WARP_KEYS,
    official_files=OFFICIAL_FILES,
    signature_prefixes=('image_features.', 'aflow_net.netMain.'),
    license='PF-AFN authors\' weights: their non-commercial terms apply')
FSVTON_SPEC = ConverterSpec(
    name='FS-VTON',
    default_config='configs/fsvton_student.py',
    tool='tools/model_converters/fsvton_to_vtonbox.py',
    warp_renames=ENCODER_PREFIX_RENAMES + tuple(FSVTON_HEAD_RENAMES),
    ignored_warp_keys=tuple(FSVTON_IGNORED_KEYS),
    official_files=dict(warp='PFAFN_warp_epoch_101.pth', generator='PFAFN_gen_epoch_101.pth'),
    signature_prefixes=('image_features.', 'aflow_net.netStyle.', 'aflow_net.netF.'),
    license='FS-VTON authors\' weights: CC BY-NC-SA 4.0 (non-commercial, share-alike)')
DMVTON_SPEC = ConverterSpec(
    name='DM-VTON',
    default_config='configs/dmvton_student.py',
    tool='tools/model_converters/dmvton_to_vtonbox.py',
    warp_renames=DMVTON_WARP_PREFIX_RENAMES,
    ignored_warp_keys=IGNORED_WARP_KEYS,
    official_files=dict(warp='dmvton_pf_warp.pt', generator='dmvton_pf_gen.pt'),
    signature_prefixes=('image_mobile.', 'aflow_net.netMain.'),
    license='DM-VTON authors\' weights: CC BY-NC-SA 4.0 (non-commercial, share-alike)',
    generator_key_roots=DMVTON_GENERATOR_KEY_ROOTS,
    warp_key_hint='image_mobile.*, aflow_net.*',
    # each pyramid applies one 3x3 smoothing conv to all five levels; the file repeats it
    shared_copies=tuple(
        SharedCopies('3x3 smoothing conv', old + DMVTON_SMOOTH_RENAME[0],
                     tuple(old + copy for copy in SHARED_SMOOTH_COPIES))
        for old, _ in DMVTON_PYRAMID_PREFIX_RENAMES),
    weights_keys=('model',))
#: Every method with released weights, by tool name stem.
CONVERTER_SPECS = dict(pfafn=PFAFN_SPEC, fsvton=FSVTON_SPEC, dmvton=DMVTON_SPEC)


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
        merged_keys (list[str]): repeats of a shared module (checked equal to the
            converted copy, then dropped) as ``'warp:<key>'``.
        meta (dict): provenance written next to the weights (filled by the writer).
    """

    state_dict: Dict[str, Tensor]
    num_warp_keys: int
    num_generator_keys: int
    ignored_keys: List[str] = field(default_factory=list)
    merged_keys: List[str] = field(default_factory=list)
    meta: dict = field(default_factory=dict)


def official_to_vtonbox_keys(warp_state: Dict[str, Tensor], gen_state: Dict[str, Tensor],
                             spec: ConverterSpec = PFAFN_SPEC
                             ) -> Tuple[Dict[str, Tensor], List[str], List[str]]:
    """Rename the keys of the two official state dicts.

    Repeats of a shared module (``spec.shared_copies``) are left out: they are checked by
    :func:`shared_copy_mismatch` and :func:`check_shared_copies`.

    Returns:
        tuple: ``(renamed, ignored, unknown)``; ``renamed`` maps vtonbox keys to the
        input tensors, ``ignored`` / ``unknown`` list input keys as ``'warp:<key>'`` /
        ``'generator:<key>'`` (skipped on purpose / not convertible).
    """
    renamed, ignored, unknown = {}, [], []
    for key, value in warp_state.items():
        if spec.shared_copy_of(key) is not None:
            continue
        new_key = spec.rename_warp_key(key)
        if key in spec.ignored_warp_keys:
            ignored.append(f'warp:{key}')
        elif new_key is None:
            unknown.append(f'warp:{key}')
        else:
            renamed[new_key] = value
    for key, value in gen_state.items():
        if spec.is_generator_key(key):
            renamed[f'{GENERATOR_MODULE}.{key}'] = value
        else:
            unknown.append(f'generator:{key}')
    return renamed, ignored, unknown


def shared_copy_mismatch(warp_state: Mapping[str, Tensor], model_keys: Sequence[str],
                         spec: ConverterSpec) -> Tuple[List[str], List[str]]:
    """The repeats of shared modules that ``model_keys`` need but ``warp_state`` lacks,
    and the repeats it holds that no model key needs, as ``'warp:<key>'``."""
    expected = []
    for key in model_keys:
        official = vtonbox_to_official_key(key, spec)
        if not official.startswith('warp:'):
            continue
        official = official[len('warp:'):]
        for shared in spec.shared_copies:
            if official.startswith(shared.kept):
                expected += shared.copy_keys(official)
    present = [k for k in warp_state if spec.shared_copy_of(k) is not None]
    wanted = set(expected)
    missing = [f'warp:{k}' for k in expected if k not in warp_state]
    unexpected = [f'warp:{k}' for k in present if k not in wanted]
    return missing, unexpected


def check_shared_copies(warp_state: Mapping[str, Tensor], warp_path: str = '--warp',
                        spec: ConverterSpec = PFAFN_SPEC) -> List[str]:
    """Require every repeat of a shared module to equal its converted copy.

    Returns:
        list[str]: the checked repeats as ``'warp:<key>'`` (dropped by the conversion).

    Raises:
        OfficialWeightsError: naming the repeats that differ (values or shapes).
    """
    checked, differing, what = [], [], None
    for key, value in warp_state.items():
        kept = spec.shared_copy_of(key)
        if kept is None or kept not in warp_state:
            continue
        checked.append(f'warp:{key}')
        if not torch.equal(value, warp_state[kept]):
            differing.append(f'{key} vs {kept}')
            what = what or next(s.what for s in spec.shared_copies if s.kept_key(key))
    if differing:
        entries = 'entry differs' if len(differing) == 1 else 'entries differ'
        raise OfficialWeightsError(
            f'--warp repeats one shared {what} per level, but {len(differing)} {entries} '
            f'from the first copy: {listed(differing, LISTED_KEYS)}', warp_path,
            f'pass an unmodified official {spec.official_files["warp"]} (the copies of a '
            'shared module must be equal)')
    return checked


def official_part(state: Dict[str, Tensor], spec: ConverterSpec = PFAFN_SPEC
                  ) -> Optional[str]:
    """``'warp'`` or ``'generator'`` when most keys look like that official file's, else
    None (``'vtonbox'`` when any key is a vtonbox ``ParserFreeTryOn`` key)."""
    if any(k.startswith(VTONBOX_PREFIXES) for k in state):
        return 'vtonbox'
    warp = sum(spec.knows_warp_key(k) for k in state)
    gen = sum(spec.is_generator_key(k) for k in state)
    if warp * 2 > len(state):
        return 'warp'
    if gen * 2 > len(state):
        return 'generator'
    return None


def other_method(warp_state: Dict[str, Tensor], spec: ConverterSpec
                 ) -> Optional[ConverterSpec]:
    """The other method whose warp file ``warp_state`` is (its signature prefixes), when
    it is not ``spec``'s."""
    if spec.has_signature(warp_state):
        return None
    for other in CONVERTER_SPECS.values():
        if other.name != spec.name and other.has_signature(warp_state):
            return other
    return None


def other_generator_methods(gen_state: Dict[str, Tensor], spec: ConverterSpec
                            ) -> List[ConverterSpec]:
    """The other methods (with other generator layouts) whose generator file
    ``gen_state`` looks like, when it does not look like ``spec``'s."""
    if official_part(gen_state, spec) == 'generator':
        return []
    return [other for other in CONVERTER_SPECS.values()
            if other.generator_key_roots != spec.generator_key_roots
            and official_part(gen_state, other) == 'generator']


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
            f'--warp and --gen look swapped: --warp holds generator keys '
            f'({spec.generator_key_hint}) and --gen warp keys ({spec.warp_key_hint})',
            f'{warp_path}, {gen_path}',
            f'pass them the other way round: --warp {files["warp"]} '
            f'--gen {files["generator"]}')
    for name, other in (('warp', 'generator'), ('generator', 'warp')):
        if parts[name] == other and parts[other] == other:
            option, path = options[name]
            raise OfficialWeightsError(
                f'{option} holds {other} weights too (keys like those of '
                f'{options[other][0]})', path,
                f'pass the official {files[name]} as {option}')
    other = other_method(warp_state, spec) if parts['warp'] != 'generator' else None
    if other is not None:
        signature = ', '.join(p + '*' for p in other.signature_prefixes
                              if p not in spec.signature_prefixes)
        raise OfficialWeightsError(
            f'--warp holds {other.name} warp weights ({signature}), not {spec.name} ones',
            warp_path,
            f'convert it with python {other.tool} (for {other.default_config}), or pass the '
            f'{spec.name} {files["warp"]}')
    others = other_generator_methods(gen_state, spec) if parts['generator'] != 'warp' else []
    if others:
        names = ' / '.join(o.name for o in others)
        tools = ' or '.join(f'python {o.tool}' for o in others)
        raise OfficialWeightsError(
            f'--gen holds {names} generator weights ({others[0].generator_key_hint}), not '
            f'{spec.name} ones', gen_path,
            f'pass the {spec.name} {files["generator"]} ({names} weights convert with '
            f'{tools}, together with their warp file)')


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
    must be used except ``spec.ignored_warp_keys``; the repeats of a shared module
    (``spec.shared_copies``) must all be there and equal the converted copy. The model is
    then loaded with ``strict=True`` (so it holds the converted weights afterwards).

    Args:
        warp_state (dict): the official warp file (``image_features.*`` ...).
        gen_state (dict): the official generator file (``model.model.*``).
        model (nn.Module): a ``ParserFreeTryOn`` built for inference.
        warp_path (str): the warp file, for messages.
        gen_path (str): the generator file, for messages.
        spec (ConverterSpec): the method (default PF-AFN).

    Raises:
        OfficialWeightsError: swapped or already converted inputs, non-tensor entries,
            repeats of a shared module that differ.
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
    missing_copies, extra_copies = shared_copy_mismatch(warp_state, list(model.state_dict()),
                                                        spec)
    unexpected = unknown + [vtonbox_to_official_key(k, spec) for k in extra] + extra_copies
    if missing or unexpected or shapes or missing_copies:
        missing = [vtonbox_to_official_key(k, spec) for k in missing] + missing_copies
        shapes = [(vtonbox_to_official_key(k, spec), a, b) for k, a, b in shapes]
        raise WeightsMismatchError(
            mismatch_message(f'the official {spec.name} weights and the model do not match',
                             missing, unexpected, shapes, limit=LISTED_KEYS),
            missing, unexpected, shapes)
    merged = check_shared_copies(warp_state, warp_path, spec)
    expected = model.state_dict()
    converted = {k: renamed[k].detach().to(expected[k].dtype).clone() for k in expected}
    load_weights_strictly(model, converted)
    num_warp = sum(k.startswith(f'{WARP_MODULE}.') for k in converted)
    return ConversionResult(converted, num_warp, len(converted) - num_warp, ignored, merged)


def read_official_file(path: str, option: str, spec: ConverterSpec = PFAFN_SPEC
                       ) -> Dict[str, Tensor]:
    """The state dict of one input file (``state_dict`` taken, or the weights under one of
    ``spec.weights_keys`` of a training-state dict; ``module.`` stripped).

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
    if isinstance(checkpoint, dict):
        for key in spec.weights_keys:  # e.g. {'epoch', 'model', 'optimizer'}
            if isinstance(checkpoint.get(key), dict):
                checkpoint = checkpoint[key]
                break
    return state_dict_of(checkpoint, path)


def convert_official_checkpoints(warp_path: str, gen_path: str, out_path: str,
                                 config: Optional[str] = None,
                                 cfg_options: Optional[dict] = None,
                                 spec: ConverterSpec = PFAFN_SPEC) -> ConversionResult:
    """Read the two official files, convert, check by loading, write an MMEngine checkpoint.

    The output is ``dict(state_dict=..., meta=dict(converted_from=..., sha256=...,
    vtonbox_version=..., config=..., ignored_keys=..., merged_keys=..., license=...))``,
    loadable with ``mmengine.runner.load_checkpoint`` and ``torch.load(weights_only=True)``.

    Checked in this order, each before the slower steps: the config exists, both inputs
    load (``weights_only=True``), neither is a vtonbox checkpoint already, they are not
    swapped (nor another method's); then the model is built, the keys compared and the
    repeats of shared modules compared with their first copy.

    Args:
        config (str, optional): the target config; None: ``spec.default_config``.
        spec (ConverterSpec): the method (default PF-AFN).

    Raises:
        UserError: the config is missing; :class:`CheckpointError` for an input that is
            missing or cannot be loaded; :class:`OfficialWeightsError` (see
            :func:`check_official_inputs`, :func:`check_shared_copies`).
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
        merged_keys=list(result.merged_keys),
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
    if result.merged_keys:
        print(f'merged input keys: {len(result.merged_keys)} repeats of shared modules, '
              f'equal to their first copy ({listed(result.merged_keys, LISTED_KEYS)})')
    print(f'sha256 warp {result.meta["sha256"]["warp"]}')
    print(f'sha256 gen  {result.meta["sha256"]["generator"]}')
    print(f'written: {args.out}')
    return 0


def converter_main(spec: ConverterSpec, argv: Optional[Sequence[str]] = None) -> int:
    """Parse ``argv`` (default ``sys.argv[1:]``) and run the converter of ``spec``."""
    return run_converter(spec, converter_arg_parser(spec).parse_args(argv))
