"""Read a config, build its model without external files and load weights strictly.

The one home of model loading, used by the tools (train / test / analysis / deploy /
converter), ``tools/test.py``'s evaluation, the deployment helpers and the inference
API (which turns these errors into its own types, see :mod:`vtonbox.apis.model_loading`):

* :func:`load_config`: a config file (or ``Config`` / dict) with ``--cfg-options``
  merged, every problem a one-line :class:`ConfigError`;
* :func:`offline_model_config`: a model config that builds without any weights file
  (no ``init_cfg``, teacher ``checkpoint=None``, VGG ``pretrained=False``), by default
  also without the training-only parts (teacher, losses, distillation settings);
* :func:`build_model` / :func:`build_inference_model`: build it (and load weights);
* :func:`load_weights_strictly`: the strict policy. Missing keys, unexpected keys and
  shape mismatches all fail, listed by :func:`mismatch_message`; keys under a part the
  model leaves as None (a training checkpoint's ``teacher.*`` and loss VGG in an
  inference model) are not unexpected. Files are read with
  :func:`~vtonbox.utils.checkpoint.read_state_dict` (``weights_only=True``, DDP
  ``module.`` prefixes stripped, :class:`~vtonbox.utils.checkpoint.CheckpointError`).

Only MMEngine, the registries and :mod:`vtonbox.utils` are imported here, so the engine
and the models can use this module without importing the inference API.
"""
import copy
import inspect
import os
import os.path as osp
import re
from typing import Dict, List, Optional, Sequence, Union

import torch
from mmengine.config import Config
from torch import nn

from vtonbox.registry import MODELS

from .checkpoint import read_state_dict
from .cli import UserError
from .setup_env import register_all_modules
from .state_dict import MAX_LISTED_KEYS, Mismatch, WeightsMismatchError, compare_state_dict, listed

#: The source checkout's root (``configs/`` lives there).
REPO_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
#: The model the released (converted official) weights belong to.
DEFAULT_CONFIG = 'configs/pfafn_student.py'
#: What to do about a config file that is not found.
CONFIG_NOT_FOUND_TODO = 'check the path (configs are listed in configs/)'
#: Model config keys that only training needs (set to None for inference).
TRAINING_ONLY_KEYS = ('teacher', 'warp_loss', 'gen_loss', 'distill_cfg', 'init_cfg')
#: Key prefixes of the unconverted official PF-AFN files (warp and generator).
UPSTREAM_PREFIXES = ('image_features.', 'cond_features.', 'image_FPN.', 'aflow_net.',
                     'model.model.', 'image_mobile.', 'cond_mobile.')
CONVERTER_HINT = ('official weights must be converted first: python '
                  'tools/model_converters/pfafn_to_vtonbox.py (PF-AFN), '
                  'fsvton_to_vtonbox.py (FS-VTON) or dmvton_to_vtonbox.py (DM-VTON) '
                  '--warp WARP --gen GEN --out OUT.pth')
#: Said after the keys of a checkpoint that does not fit (and is not an upstream one).
SAME_CONFIG_HINT = 'is it a checkpoint of this config (same channels and model size)?'

ConfigLike = Union[str, os.PathLike, Config, dict]


class ConfigError(UserError):
    """A config that cannot be used: not found, does not parse or run, an option that
    cannot be merged, a model that cannot be built."""


# ----------------------------------------------------------------------------- configs
def resolve_config_path(config: Union[str, os.PathLike],
                        todo: str = CONFIG_NOT_FOUND_TODO) -> str:
    """``config`` when it exists, else the source checkout's file of that relative name
    (so ``configs/pfafn_student.py`` works from any directory).

    Raises:
        ConfigError: neither exists (``todo`` says what to do).
    """
    path = os.fspath(config)
    if osp.isfile(path):
        return path
    candidate = osp.join(REPO_ROOT, path)
    if not osp.isabs(path) and osp.isfile(candidate):
        return candidate
    raise ConfigError('config file not found', path, todo)


def _read_config_file(path: str) -> Config:
    try:
        return Config.fromfile(path)
    except SyntaxError as error:
        # MMEngine re-raises ast's error as "... config file <file>: <error>".
        original = error.__context__ if isinstance(error.__context__, SyntaxError) else error
        match = re.search(r'config file (.+?): ', str(error))
        where = f' at line {original.lineno}' if original.lineno else ''
        raise ConfigError(f'config file has a syntax error{where}',
                          match.group(1) if match else path,
                          f'fix it ({original.msg})') from error
    except ImportError as error:  # custom_imports, or a module imported by the config
        cause = error.__cause__ if isinstance(error.__cause__, ImportError) else error
        raise ConfigError(f'cannot import the modules the config needs: {cause}', path,
                          'install them, or add the folder that holds them to '
                          'PYTHONPATH') from error
    except Exception as error:  # a config is Python code: any error in it is the config's
        first = str(error).strip().splitlines()[0] if str(error).strip() else ''
        raise ConfigError(f'cannot read the config: {type(error).__name__}: {first}'
                          .rstrip(': '), path, 'fix the config') from error


def _merge_options(cfg: Config, cfg_options: dict, name: str) -> None:
    for key, value in cfg_options.items():  # one by one: the error names it
        try:
            cfg.merge_from_dict({key: value})
        except (TypeError, KeyError, AttributeError, ValueError) as error:
            reason = str(error).split('. ')[0].strip().strip('"\'')
            node, parts = cfg, key.split('.')
            for depth, part in enumerate(parts[:-1]):  # the value the key goes through
                if isinstance(node, (dict, Config)) and part in node:
                    node = node[part]
                elif isinstance(node, (list, tuple)) and part.isdigit() \
                        and int(part) < len(node):
                    node = node[int(part)]
                else:
                    break
                if not isinstance(node, (dict, list, tuple)):
                    reason = (f'{".".join(parts[:depth + 1])} is {node!r} in the config, '
                              'not a dict')
                    break
            raise ConfigError(f'--cfg-options {key}={value!r} cannot be applied: {reason}',
                              name, f'see the entries with python tools/misc/print_config.py '
                              f'{name}') from error


def load_config(config: ConfigLike, cfg_options: Optional[dict] = None,
                not_found_todo: str = CONFIG_NOT_FOUND_TODO) -> Config:
    """Read a config and merge ``--cfg-options`` into it.

    Args:
        config (str | PathLike | Config | dict): a file (looked up in the source
            checkout too, see :func:`resolve_config_path`), or a config (copied).
        cfg_options (dict, optional): ``{'model.generator.ngf': 32, ...}``.
        not_found_todo (str): what a missing file's error tells the user to do.

    Raises:
        ConfigError: the file does not exist, does not parse or fails to run, or an
            option cannot be merged (e.g. it goes through a value that is not a dict).
    """
    if isinstance(config, Config):
        cfg, name = copy.deepcopy(config), config.filename or 'the given config'
    elif isinstance(config, dict):
        cfg, name = Config(copy.deepcopy(config)), 'the given config'
    elif isinstance(config, (str, os.PathLike)):
        name = os.fspath(config)
        cfg = _read_config_file(resolve_config_path(config, not_found_todo))
    else:
        raise TypeError(f'config must be a file path, a Config or a dict, got '
                        f'{type(config).__name__}')
    _merge_options(cfg, cfg_options or {}, name)
    no_persistent_workers_without_workers(cfg)
    return cfg


def no_persistent_workers_without_workers(cfg: Config) -> None:
    """``persistent_workers=False`` on every ``*_dataloader`` with ``num_workers=0``
    (PyTorch refuses the combination), so ``--cfg-options X.num_workers=0`` just works."""
    for key in list(cfg.keys()):
        loader = cfg.get(key)
        if key.endswith('_dataloader') and isinstance(loader, dict) and \
                loader.get('num_workers', 1) == 0 and loader.get('persistent_workers'):
            loader['persistent_workers'] = False


# ------------------------------------------------------------------ offline model configs
def _constructor_arguments(type_name) -> Sequence[str]:
    """Constructor argument names of a registered model type (empty when unknown)."""
    cls = MODELS.get(type_name) if isinstance(type_name, str) else type_name
    if not inspect.isclass(cls):
        return ()
    return tuple(inspect.signature(cls.__init__).parameters)


def _strip_external_files(node) -> None:
    """In place: no ``init_cfg``; ``checkpoint=None`` and ``pretrained=False`` for every
    module type that takes them (explicitly set or by default)."""
    if isinstance(node, dict):
        node.pop('init_cfg', None)
        for value in node.values():
            _strip_external_files(value)
        arguments = _constructor_arguments(node['type']) if 'type' in node else ()
        if 'checkpoint' in arguments or 'checkpoint' in node:
            node['checkpoint'] = None
        if 'pretrained' in arguments or node.get('pretrained') is True:
            node['pretrained'] = False
    elif isinstance(node, (list, tuple)):
        for item in node:
            _strip_external_files(item)


def offline_model_config(model_cfg: dict, keep_training_parts: bool = False) -> dict:
    """Copy of a model config that builds without any external file.

    Args:
        model_cfg (dict): ``cfg.model`` of a (training) config.
        keep_training_parts (bool): keep the teacher and the losses (with random
            weights: teacher ``checkpoint=None``, VGG ``pretrained=False``), e.g. to count
            or time the training model. False (the default): the inference model, every
            key of :data:`TRAINING_ONLY_KEYS` set to None, so only the trained weights of
            the inference networks are needed.
    """
    cfg = copy.deepcopy(model_cfg)
    _strip_external_files(cfg)
    if not keep_training_parts:
        for key in TRAINING_ONLY_KEYS:
            if key in cfg:
                cfg[key] = None
    return cfg


# ---------------------------------------------------------------------------- weights
def mismatch_message(head: str, missing: Sequence[str], unexpected: Sequence[str],
                     shapes: Sequence[Mismatch], hint: Optional[str] = None,
                     limit: int = MAX_LISTED_KEYS) -> str:
    """One line: ``<head>: N missing key(s): a, b, ... and 7 more; ...; <hint>``.

    Each kind of mismatch lists its first ``limit`` keys. Unexpected keys of the
    unconverted official files point to the converter instead of ``hint``.
    """
    parts = []
    if missing:
        parts.append(f'{len(missing)} missing key(s): {listed(missing, limit)}')
    if unexpected:
        parts.append(f'{len(unexpected)} unexpected key(s): {listed(unexpected, limit)}')
    if shapes:
        shown = [f'{k} (weights {list(a)} vs model {list(b)})' for k, a, b in shapes]
        parts.append(f'{len(shown)} shape mismatch(es): {listed(shown, limit)}')
    if any(k.startswith(UPSTREAM_PREFIXES) for k in unexpected):
        parts.append(f'these look like unconverted upstream keys; {CONVERTER_HINT}')
    elif hint:
        parts.append(hint)
    return f'{head}: ' + '; '.join(parts)


def training_only_prefixes(model: nn.Module) -> List[str]:
    """``'<name>.'`` of every top-level part the model leaves as None (teacher, losses
    of an inference model): keys under them in a training checkpoint are not unexpected."""
    names = {name for name, value in vars(model).items() if value is None}
    names |= {name for name, value in model._modules.items() if value is None}
    return [f'{name}.' for name in sorted(names)]


def load_weights_strictly(model: nn.Module, weights: Union[str, os.PathLike, Dict],
                          config_name: str = 'the config') -> None:
    """Load a checkpoint file or a state dict into ``model``, strictly.

    Args:
        model (nn.Module): the (bare, unwrapped) model.
        weights (str | PathLike | dict): an MMEngine checkpoint or plain state dict file,
            or a state dict.
        config_name (str): the model's config, for messages.

    Raises:
        CheckpointError: the file is missing, empty, truncated or not safe to load.
        WeightsMismatchError: missing / unexpected keys or shape mismatches (listed).
    """
    if isinstance(weights, dict):
        state, source = weights, 'the state dict'
    else:
        path = os.fspath(weights)
        state, source = read_state_dict(path), f'checkpoint {path}'
    state = {k: v for k, v in state.items() if isinstance(v, torch.Tensor)}
    missing, unexpected, shapes = compare_state_dict(model, state,
                                                     training_only_prefixes(model))
    if missing or unexpected or shapes:
        raise WeightsMismatchError(
            mismatch_message(f'{source} does not fit the model of {config_name}', missing,
                             unexpected, shapes, hint=SAME_CONFIG_HINT),
            missing, unexpected, shapes)
    expected = model.state_dict()
    model.load_state_dict({k: v for k, v in state.items() if k in expected}, strict=True)


# ----------------------------------------------------------------------------- models
def build_model(config: ConfigLike, cfg_options: Optional[dict] = None,
                keep_training_parts: bool = False,
                config_name: Optional[str] = None) -> nn.Module:
    """Build the model of a config without external files (see
    :func:`offline_model_config`); the inference model unless ``keep_training_parts``.

    Raises:
        ConfigError: the config cannot be read (:func:`load_config`), has no ``model``,
            or its model cannot be built (unknown type, bad argument).
    """
    register_all_modules()
    cfg = load_config(config, cfg_options)
    config_name = config_name or _config_name(config)
    if 'model' not in cfg:
        raise ConfigError('the config has no `model` entry', config_name)
    try:
        return MODELS.build(offline_model_config(cfg.model, keep_training_parts))
    except UserError:  # already names its file (e.g. a checkpoint read while building)
        raise
    except (KeyError, TypeError, ValueError) as error:  # unknown type, bad argument
        raise ConfigError(f'cannot build the model of {config_name}: '
                          f'{type(error).__name__}: {error}') from error


def build_inference_model(config: ConfigLike, checkpoint: Optional[str] = None,
                          device: Union[str, torch.device] = 'cpu',
                          config_name: Optional[str] = None) -> nn.Module:
    """The inference model of ``config`` with ``checkpoint``'s weights (loaded with
    :func:`load_weights_strictly`; None keeps the random ones), on ``device``, in eval
    mode."""
    model = build_model(config, config_name=config_name)
    if checkpoint is not None:
        load_weights_strictly(model, checkpoint, config_name or _config_name(config))
    return model.to(device).eval()


def _config_name(config: ConfigLike) -> str:
    if isinstance(config, (str, os.PathLike)):
        return os.fspath(config)
    if isinstance(config, Config) and config.filename:
        return config.filename
    return 'the given config'
