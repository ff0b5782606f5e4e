"""Convert the released PF-AFN test weights into a vtonbox checkpoint.

The official ``warp_model_final.pth`` (upstream ``AFWM(3)``) and ``gen_model_final.pth``
(``ResUnetGenerator(7, 4, 5)``) are plain state dicts (reference §5). Their keys map
onto :class:`ParserFreeTryOn` by prefix renames only: the warp keys get the renames of
:data:`WARP_PREFIX_RENAMES` and then ``warp_model.``, the generator keys (``model.model...``,
already identical to ours) get ``generator.``. Upstream's training-only
``aflow_net.weight`` (fixed smoothness filters, 4x1x3x3) is skipped. Anything else that
does not fit (missing or unknown keys, other shapes) is an error naming the keys (long
lists summarised), on one line. Two common mistakes are recognised before the key lists:
``--warp`` and ``--gen`` passed the other way round, and a file that already is a vtonbox
checkpoint (converted before, or written by ``tools/train.py``).

Configs, models and strict loading come from :mod:`vtonbox.utils.model_loading`
(``build_model_from_config`` is its :func:`~vtonbox.utils.model_loading.build_model`).
"""
import os
import os.path as osp
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Tuple

import torch
from torch import Tensor, nn

from vtonbox.utils.checkpoint import load_checkpoint_file, state_dict_of
from vtonbox.utils.cli import UserError
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

#: Upstream AFWM key prefixes -> FlowWarpModel attribute prefixes.
WARP_PREFIX_RENAMES = (
    ('image_features.', 'cloth_encoder.'),
    ('cond_features.', 'cond_encoder.'),
    ('image_FPN.', 'cloth_fpn.'),
    ('cond_FPN.', 'cond_fpn.'),
    ('aflow_net.netMain.', 'warper.main_nets.'),
    ('aflow_net.netRefine.', 'warper.refine_nets.'),
)
#: Keys of upstream files that carry no learnt weights and are skipped.
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
#: Official file names, for messages.
OFFICIAL_FILES = dict(warp='warp_model_final.pth', generator='gen_model_final.pth')


class OfficialWeightsError(UserError, ValueError):
    """The files given to the converter are not the two official state dicts (swapped,
    already converted, the same kind twice, non-tensor entries)."""


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


def _rename_warp_key(key: str) -> Optional[str]:
    for old, new in WARP_PREFIX_RENAMES:
        if key.startswith(old):
            return f'{WARP_MODULE}.{new}{key[len(old):]}'
    return None


def official_to_vtonbox_keys(warp_state: Dict[str, Tensor], gen_state: Dict[str, Tensor]
                             ) -> Tuple[Dict[str, Tensor], List[str], List[str]]:
    """Rename the keys of the two official state dicts.

    Returns:
        tuple: ``(renamed, ignored, unknown)``; ``renamed`` maps vtonbox keys to the
        input tensors, ``ignored`` / ``unknown`` list input keys as ``'warp:<key>'`` /
        ``'generator:<key>'`` (skipped on purpose / not convertible).
    """
    renamed, ignored, unknown = {}, [], []
    for key, value in warp_state.items():
        new_key = _rename_warp_key(key)
        if key in IGNORED_WARP_KEYS:
            ignored.append(f'warp:{key}')
        elif new_key is None:
            unknown.append(f'warp:{key}')
        else:
            renamed[new_key] = value
    for key, value in gen_state.items():
        if key.startswith(GENERATOR_KEY_ROOT):
            renamed[f'{GENERATOR_MODULE}.{key}'] = value
        else:
            unknown.append(f'generator:{key}')
    return renamed, ignored, unknown


def official_part(state: Dict[str, Tensor]) -> Optional[str]:
    """``'warp'`` or ``'generator'`` when most keys look like that official file's, else
    None (``'vtonbox'`` when any key is a vtonbox ``ParserFreeTryOn`` key)."""
    if any(k.startswith(VTONBOX_PREFIXES) for k in state):
        return 'vtonbox'
    warp = sum(k in IGNORED_WARP_KEYS or _rename_warp_key(k) is not None for k in state)
    gen = sum(k.startswith(GENERATOR_KEY_ROOT) for k in state)
    if warp * 2 > len(state):
        return 'warp'
    if gen * 2 > len(state):
        return 'generator'
    return None


def check_official_inputs(warp_state: Dict[str, Tensor], gen_state: Dict[str, Tensor],
                          warp_path: str = '--warp', gen_path: str = '--gen') -> None:
    """Recognise swapped, already converted or doubled inputs before comparing keys.

    Raises:
        OfficialWeightsError: saying which mistake it is and what to pass instead.
    """
    parts = dict(warp=official_part(warp_state), generator=official_part(gen_state))
    options = dict(warp=('--warp', warp_path), generator=('--gen', gen_path))
    converted = [name for name, part in parts.items() if part == 'vtonbox']
    if converted:
        names = ' and '.join(options[n][0] for n in converted)
        files = ', '.join(options[n][1] for n in converted)
        example = options[converted[0]][1]
        raise OfficialWeightsError(
            f'{names} {"is" if len(converted) == 1 else "are"} already converted (keys '
            f'{", ".join(p + "*" for p in VTONBOX_PREFIXES)}): a vtonbox checkpoint',
            files, f'no conversion needed; use it directly, e.g. python tools/test.py '
            f'{DEFAULT_CONFIG} {example}')
    if parts == dict(warp='generator', generator='warp'):
        raise OfficialWeightsError(
            '--warp and --gen look swapped: --warp holds generator keys (model.*) and --gen '
            'warp keys (image_features.*, aflow_net.*)', f'{warp_path}, {gen_path}',
            f'pass them the other way round: --warp {OFFICIAL_FILES["warp"]} '
            f'--gen {OFFICIAL_FILES["generator"]}')
    for name, other in (('warp', 'generator'), ('generator', 'warp')):
        if parts[name] == other and parts[other] == other:
            option, path = options[name]
            raise OfficialWeightsError(
                f'{option} holds {other} weights too (keys like those of '
                f'{options[other][0]})', path,
                f'pass the official {OFFICIAL_FILES[name]} as {option}')


def vtonbox_to_official_key(key: str) -> str:
    """The official file and key a ``ParserFreeTryOn`` key comes from (for messages)."""
    if key.startswith(f'{GENERATOR_MODULE}.'):
        return f'generator:{key[len(GENERATOR_MODULE) + 1:]}'
    if key.startswith(f'{WARP_MODULE}.'):
        rest = key[len(WARP_MODULE) + 1:]
        for old, new in WARP_PREFIX_RENAMES:
            if rest.startswith(new):
                return f'warp:{old}{rest[len(new):]}'
    return key


def convert_official_state_dicts(warp_state: Dict[str, Tensor],
                                 gen_state: Dict[str, Tensor],
                                 model: nn.Module, warp_path: str = '--warp',
                                 gen_path: str = '--gen') -> ConversionResult:
    """Map the official warp and generator state dicts onto ``model`` and load them.

    Every model key must come from the inputs with the same shape, and every input key
    must be used except :data:`IGNORED_WARP_KEYS`; the model is then loaded with
    ``strict=True`` (so it holds the converted weights afterwards).

    Args:
        warp_state (dict): ``warp_model_final.pth`` (``image_features.*`` ...).
        gen_state (dict): ``gen_model_final.pth`` (``model.model.*``).
        model (nn.Module): a ``ParserFreeTryOn`` built for inference.
        warp_path (str): the warp file, for messages.
        gen_path (str): the generator file, for messages.

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
                f'pass the official {OFFICIAL_FILES[name]}')
    check_official_inputs(warp_state, gen_state, warp_path, gen_path)
    renamed, ignored, unknown = official_to_vtonbox_keys(warp_state, gen_state)
    missing, extra, shapes = compare_state_dict(model, renamed)
    unexpected = unknown + [vtonbox_to_official_key(k) for k in extra]
    if missing or unexpected or shapes:
        missing = [vtonbox_to_official_key(k) for k in missing]
        shapes = [(vtonbox_to_official_key(k), a, b) for k, a, b in shapes]
        raise WeightsMismatchError(
            mismatch_message('the official PF-AFN weights and the model do not match',
                             missing, unexpected, shapes, limit=LISTED_KEYS),
            missing, unexpected, shapes)
    expected = model.state_dict()
    converted = {k: renamed[k].detach().to(expected[k].dtype).clone() for k in expected}
    load_weights_strictly(model, converted)
    num_warp = sum(k.startswith(f'{WARP_MODULE}.') for k in converted)
    return ConversionResult(converted, num_warp, len(converted) - num_warp, ignored)


def read_official_file(path: str, option: str) -> Dict[str, Tensor]:
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
            f'tools/test.py {DEFAULT_CONFIG} {path}')
    return state_dict_of(checkpoint, path)


def convert_official_checkpoints(warp_path: str, gen_path: str, out_path: str,
                                 config: str = DEFAULT_CONFIG,
                                 cfg_options: Optional[dict] = None) -> ConversionResult:
    """Read the two official files, convert, check by loading, write an MMEngine checkpoint.

    The output is ``dict(state_dict=..., meta=dict(converted_from=..., sha256=...,
    vtonbox_version=..., config=..., ignored_keys=...))``, loadable with
    ``mmengine.runner.load_checkpoint`` and ``torch.load(weights_only=True)``.

    Checked in this order, each before the slower steps: the config exists, both inputs
    load (``weights_only=True``), neither is a vtonbox checkpoint already, they are not
    swapped; then the model is built and the keys compared.

    Raises:
        UserError: the config is missing; :class:`CheckpointError` for an input that is
            missing or cannot be loaded; :class:`OfficialWeightsError` (see
            :func:`check_official_inputs`).
        WeightsMismatchError: the inputs do not fit the config's model.
    """
    cfg = load_config(config, cfg_options, not_found_todo=f'check the path (the released '
                      f'weights fit {DEFAULT_CONFIG})')
    warp_state = read_official_file(warp_path, '--warp')
    gen_state = read_official_file(gen_path, '--gen')
    check_official_inputs(warp_state, gen_state, warp_path, gen_path)
    model = build_model_from_config(cfg, config_name=config)
    result = convert_official_state_dicts(warp_state, gen_state, model, warp_path, gen_path)
    result.meta = dict(
        converted_from=dict(warp=osp.basename(warp_path), generator=osp.basename(gen_path)),
        sha256=dict(warp=file_sha256(warp_path), generator=file_sha256(gen_path)),
        vtonbox_version=__version__,
        config=config,
        model_type=type(model).__name__,
        ignored_keys=list(result.ignored_keys),
        license='PF-AFN authors\' weights: their non-commercial terms apply')
    out_dir = osp.dirname(osp.abspath(out_path))
    os.makedirs(out_dir, exist_ok=True)
    torch.save(dict(state_dict=result.state_dict, meta=result.meta), out_path)
    return result
