"""Shared logic of ``tools/train.py`` and ``tools/test.py``: config merging and
distributed start-up, kept in the package so the tools stay thin.

Distributed runs on CPU use gloo. MMEngine's ``pytorch`` launcher would call
``torch.cuda.set_device`` and its DDP wrapper would pass ``device_ids=[LOCAL_RANK]``,
both of which fail without a GPU, so for gloo we initialise the process group
ourselves before the Runner (which then skips its own ``init_dist``) and wrap the
model with ``device_ids=None``. NCCL on GPU is left entirely to MMEngine.
"""
import os
import os.path as osp

import torch
import torch.distributed as dist
from mmengine.config import Config

from vtonbox.utils.cli import UserError
from vtonbox.utils.model_loading import load_config  # noqa: F401  (the tools' config loader)

#: Launchers accepted by the tools (as in MMEngine).
LAUNCHERS = ('none', 'pytorch', 'slurm', 'mpi')


def default_work_dir(config: str) -> str:
    """``work_dirs/<config name>`` as in OpenMMLab tools."""
    return osp.join('work_dirs', osp.splitext(osp.basename(config))[0])


def enable_amp(cfg: Config) -> None:
    """Switch every optimizer wrapper of ``cfg`` to mixed precision.

    GPU: MMEngine's ``AmpOptimWrapper`` (dynamic loss scale). CPU: bf16 autocast
    through :class:`CPUAutocastOptimWrapper`. Handles a single wrapper and a dict of
    named wrappers (several optimizers, ``OptimWrapperDict``).
    """
    amp_type = 'AmpOptimWrapper' if torch.cuda.is_available() else 'CPUAutocastOptimWrapper'
    optim_wrapper = cfg.get('optim_wrapper')
    if optim_wrapper is None:
        raise ValueError('--amp needs an `optim_wrapper` in the config')
    wrappers = [optim_wrapper] if 'type' in optim_wrapper or 'optimizer' in optim_wrapper \
        else [w for w in optim_wrapper.values() if isinstance(w, dict)]
    for wrapper in wrappers:
        if wrapper.get('type', 'OptimWrapper') in ('OptimWrapper', 'AmpOptimWrapper',
                                                  'CPUAutocastOptimWrapper'):
            wrapper['type'] = amp_type
            if amp_type == 'AmpOptimWrapper':
                wrapper.setdefault('loss_scale', 'dynamic')


def setup_launcher(cfg: Config, launcher: str) -> None:
    """Record the launcher and prepare a gloo process group when needed."""
    if launcher not in LAUNCHERS:
        raise UserError(f'unknown launcher {launcher!r}', '--launcher',
                        f'choose one of {", ".join(LAUNCHERS)}')
    cfg.launcher = launcher
    if launcher == 'none':
        return
    backend = cfg.get('env_cfg', {}).get('dist_cfg', {}).get('backend', 'nccl')
    if backend == 'nccl' and not torch.cuda.is_available():
        raise UserError('distributed backend is nccl but no CUDA device is available',
                        'env_cfg.dist_cfg.backend',
                        'on CPU add --cfg-options env_cfg.dist_cfg.backend=gloo')
    if backend == 'gloo' and launcher == 'pytorch':
        init_gloo_process_group()
        wrapper = cfg.get('model_wrapper_cfg') or dict(type='MMDistributedDataParallel')
        wrapper['device_ids'] = None
        cfg.model_wrapper_cfg = wrapper


def init_gloo_process_group() -> None:
    """Initialise gloo from the torchrun environment variables (once)."""
    if dist.is_initialized():
        return
    missing = [k for k in ('RANK', 'WORLD_SIZE', 'MASTER_ADDR', 'MASTER_PORT')
               if k not in os.environ]
    if missing:
        raise UserError(f'--launcher pytorch needs the torchrun environment variables '
                        f'{", ".join(missing)}', '--launcher pytorch',
                        'start with tools/dist_train.sh or torchrun, or leave out --launcher')
    dist.init_process_group('gloo')


def teardown_launcher(success: bool = True) -> None:
    """Destroy the process group; gloo aborts at exit otherwise.

    After a successful run all ranks meet at a barrier first, so that no rank tears the
    group down while another is still in its last collective (that aborts gloo too).
    """
    if dist.is_available() and dist.is_initialized():
        if success:
            dist.barrier()
        dist.destroy_process_group()

