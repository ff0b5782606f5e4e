"""Choose the checkpoint to resume from, skipping a truncated latest one.

A run killed while writing a checkpoint leaves a truncated file that ``torch.load``
rejects with an obscure zip error. ``--resume`` without a path therefore checks the
latest checkpoint of the work dir and falls back to the newest readable one, saying so.
"""
import glob
import os.path as osp
import re
import zipfile
from typing import List, Optional, Tuple

from mmengine.logging import print_log

#: Checkpoint names written by MMEngine's CheckpointHook.
_CKPT_NAME = re.compile(r'^(epoch|iter)_(\d+)\.pth$')


def checkpoint_problem(path: str) -> Optional[str]:
    """Why ``path`` is not a loadable ``torch.save`` file, or None when it is.

    Reads the zip directory and checks every member's CRC (the whole file is read).
    """
    if not osp.isfile(path):
        return 'file does not exist'
    if not zipfile.is_zipfile(path):
        return 'not a torch.save zip archive (truncated or corrupt)'
    try:
        with zipfile.ZipFile(path) as archive:
            bad = archive.testzip()
    except (zipfile.BadZipFile, OSError, EOFError) as error:
        return f'unreadable archive ({error})'
    return f'corrupt member {bad}' if bad else None


def _ordered_checkpoints(work_dir: str) -> List[Tuple[int, str]]:
    found = []
    for path in glob.glob(osp.join(work_dir, '*.pth')):
        match = _CKPT_NAME.match(osp.basename(path))
        if match:
            found.append((int(match.group(2)), path))
    return sorted(found, reverse=True)


def latest_readable_checkpoint(work_dir: str) -> Optional[str]:
    """Newest readable checkpoint of ``work_dir`` (by the ``last_checkpoint`` record
    first, then by epoch/iteration number); None when there is no checkpoint at all.

    Raises:
        RuntimeError: checkpoints exist but none is readable.
    """
    candidates = []
    record = osp.join(work_dir, 'last_checkpoint')
    if osp.isfile(record):
        with open(record) as f:
            last = f.read().strip()
        if last:
            candidates.append(last if osp.isabs(last) else osp.join(work_dir, last))
    candidates += [p for _, p in _ordered_checkpoints(work_dir) if p not in candidates]
    for path in candidates:
        problem = checkpoint_problem(path)
        if problem is None:
            return path
        print_log(f'Skipping checkpoint {path}: {problem}; trying an older one',
                  logger='current', level=30)
    if candidates:
        raise RuntimeError(f'--resume: no readable checkpoint in {work_dir} '
                           f'(tried {len(candidates)})')
    print_log(f'--resume: no checkpoint in {work_dir}; training from the start',
              logger='current', level=30)
    return None
