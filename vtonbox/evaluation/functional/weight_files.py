"""LocalWeights: a pretrained file that an evaluation network reads from disk, never
from the internet (the FID Inception, the LPIPS AlexNet).

Each file lives by default where the library that publishes it caches it,
``<torch.hub.get_dir()>/checkpoints/<file name>``, so one download on a connected machine
serves vtonbox and that library alike. A missing, empty or corrupt file raises an error
naming the file, where to put it and where to fetch it.
"""
import os.path as osp
from dataclasses import dataclass
from typing import Optional

import torch

from ..errors import EvaluationFileNotFoundError, EvaluationInputError


@dataclass(frozen=True)
class LocalWeights:
    """One pretrained weights file.

    Args:
        what (str): what the file holds, as the errors name it (``'FID Inception
            weights'``).
        url (str): where it is published; its last part is the file name.
        shared_with (str): the library whose hub-cache copy vtonbox reads.
        option (str): how a caller passes another file, by default (quoted in errors).
    """

    what: str
    url: str
    shared_with: str
    option: str

    @property
    def filename(self) -> str:
        return osp.basename(self.url)

    def default_path(self) -> str:
        """``<torch.hub.get_dir()>/checkpoints/<file name>``."""
        return osp.join(torch.hub.get_dir(), 'checkpoints', self.filename)

    def todo(self, option: Optional[str] = None, missing: Optional[str] = None) -> str:
        """What to do about a missing file (the "what to do" of the error).

        Args:
            option (str, optional): how this caller passes another file (default
                ``self.option``).
            missing (str, optional): the file that was looked for (the hub path is then
                not repeated when that was it).
        """
        hub = self.default_path()
        where = (f'put {self.filename} there'
                 if missing is not None and osp.abspath(missing) == osp.abspath(hub)
                 else f'put {self.filename} at {hub}')
        return (f'{where} (the torch hub cache, shared with {self.shared_with}) or pass '
                f'{option or self.option}; vtonbox never downloads it: fetch it on a '
                f'connected machine from {self.url}')

    def resolve(self, path: Optional[str] = None, option: Optional[str] = None) -> str:
        """Absolute path of the file (``path``, or the hub cache when None).

        Raises:
            EvaluationFileNotFoundError: (a ``FileNotFoundError``) naming the file, where
                to put it and where to get it.
        """
        candidate = path if path is not None else self.default_path()
        if not osp.isfile(candidate):
            raise EvaluationFileNotFoundError(f'{self.what} not found', candidate,
                                              self.todo(option, candidate))
        return osp.abspath(candidate)

    def load_state_dict(self, path: str) -> dict:
        """The state dict the file holds.

        Raises:
            EvaluationInputError: empty, truncated or not a PyTorch state dict.
        """
        todo = self.refetch_todo()
        if osp.getsize(path) == 0:
            raise EvaluationInputError(f'{self.what} file is empty', path, todo)
        try:
            state_dict = torch.load(path, map_location='cpu', weights_only=True)
        except Exception:  # any failure of torch.load is about the file's bytes
            raise EvaluationInputError(f'{self.what} are not a PyTorch file (truncated or '
                                       'corrupt)', path, todo) from None
        if not isinstance(state_dict, dict):
            raise EvaluationInputError(f'{self.what} hold no state dict', path, todo)
        return state_dict

    def refetch_todo(self) -> str:
        """What to do about a damaged file."""
        return f'fetch {self.filename} again from {self.url}'
