"""Choose the checkpoint to resume from, skipping latest ones that cannot be loaded.

A run killed while writing a checkpoint leaves a truncated (or empty) file, and a work
dir may hold a file whose pickle refers to code instead of tensors. ``--resume``
without a path therefore loads the latest checkpoint of the work dir the way the
Runner will (``torch.load(weights_only=True)``) and falls back to the newest one that
loads, with one warning per skipped file. ``--resume FILE`` checks FILE the same way
and stops with one line saying what is wrong with it.
"""
import glob
import os.path as osp
import re
from typing import List, Optional, Tuple

from mmengine.logging import print_log

from vtonbox.utils.checkpoint import CheckpointError, load_checkpoint_file
from vtonbox.utils.cli import UserError

#: Checkpoint names written by MMEngine's CheckpointHook.
_CKPT_NAME = re.compile(r'^(epoch|iter)_(\d+)\.pth$')
#: Entries ``Runner.resume`` reads from a checkpoint (``meta`` needs epoch and iter).
RESUME_KEYS = ('state_dict', 'meta', 'message_hub')
RESUME_META_KEYS = ('epoch', 'iter')


def check_resumable(path: str) -> None:
    """Load ``path`` and check that ``Runner.resume`` can continue training from it.

    Raises:
        CheckpointError: missing, empty, truncated or corrupt file, a pickle with
            non-tensor globals, or weights without the training state (a converted or
            plain state-dict checkpoint).
    """
    checkpoint = load_checkpoint_file(path)
    meta = checkpoint.get('meta') if isinstance(checkpoint, dict) else None
    lacking = [k for k in RESUME_KEYS if not isinstance(checkpoint, dict) or k not in checkpoint]
    lacking += [f'meta.{k}' for k in RESUME_META_KEYS
                if isinstance(meta, dict) and k not in meta]
    if lacking:
        raise CheckpointError(
            path, f'not a training checkpoint (it has no {", ".join(lacking)})',
            'resume from an iter_N.pth / epoch_N.pth written by tools/train.py; to start '
            f'a new run from these weights use --cfg-options load_from={path} instead')


def checkpoint_problem(path: str) -> Optional[str]:
    """Why ``path`` cannot be resumed from (``'<reason> (<path>)'``), or None when it can.

    Loads the whole file (see :func:`check_resumable`).
    """
    try:
        check_resumable(path)
    except CheckpointError as error:
        return f'{error.reason} ({path})'
    return None


def _ordered_checkpoints(work_dir: str) -> List[Tuple[int, str]]:
    found = []
    for path in glob.glob(osp.join(work_dir, '*.pth')):
        match = _CKPT_NAME.match(osp.basename(path))
        if match:
            found.append((int(match.group(2)), path))
    return sorted(found, reverse=True)


def _candidates(work_dir: str) -> List[str]:
    """The ``last_checkpoint`` record first, then by epoch/iteration number, newest first."""
    candidates = []
    record = osp.join(work_dir, 'last_checkpoint')
    if osp.isfile(record):
        with open(record) as f:
            last = f.read().strip()
        if last:
            candidates.append(last if osp.isabs(last) else osp.join(work_dir, last))
    candidates += [p for _, p in _ordered_checkpoints(work_dir)
                   if osp.abspath(p) not in map(osp.abspath, candidates)]
    return candidates


def latest_readable_checkpoint(work_dir: str) -> Optional[str]:
    """Newest checkpoint of ``work_dir`` that can be resumed from; None when there is no
    checkpoint at all (training starts from the beginning, with a warning).

    Every newer candidate that does not load (missing, empty, truncated, corrupt, a
    forbidden pickle global, no training state) is skipped with one warning.

    Raises:
        UserError: checkpoints exist but none of them can be resumed from.
    """
    candidates = _candidates(work_dir)
    for path in candidates:
        problem = checkpoint_problem(path)
        if problem is None:
            return path
        print_log(f'Skipping checkpoint {problem}; trying an older one',
                  logger='current', level=30)
    if candidates:
        raise UserError(f'--resume: none of the {len(candidates)} checkpoints can be loaded',
                        work_dir, 'resume from a good checkpoint with --resume FILE, or '
                        'start again without --resume (the warnings above say why)')
    print_log(f'--resume: no checkpoint in {work_dir}; training from the start',
              logger='current', level=30)
    return None
