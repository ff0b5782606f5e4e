"""Frozen sub-networks (VGG of the perceptual loss, the teacher of distillation):
no gradients, always in eval mode, and kept out of their owner's checkpoints.

Keeping frozen weights out of ``state_dict`` keeps student checkpoints small (the
teacher is reloaded from its own checkpoint) and makes loading a checkpoint leave the
frozen weights as they are.
"""
from typing import Iterator, Tuple

from torch import Tensor, nn


def _drop_own_keys(module: nn.Module, state_dict: dict, prefix: str, local_metadata) -> None:
    for key in [k for k in state_dict if k.startswith(prefix)]:
        del state_dict[key]


def persistent_tensors(module: nn.Module) -> Iterator[Tuple[str, Tensor]]:
    """``(name, tensor)`` of what ``state_dict`` would hold without the freezing hooks:
    parameters and *persistent* buffers (e.g. not a fixed filter registered with
    ``persistent=False``)."""
    for prefix, sub in module.named_modules():
        prefix = prefix + '.' if prefix else ''
        for name, param in sub._parameters.items():
            if param is not None:
                yield prefix + name, param
        for name, buffer in sub._buffers.items():
            if buffer is not None and name not in sub._non_persistent_buffers_set:
                yield prefix + name, buffer


def _keep_own_tensors(module: nn.Module, state_dict: dict, prefix: str, *args) -> None:
    for key in [k for k in state_dict if k.startswith(prefix)]:
        del state_dict[key]
    for name, tensor in persistent_tensors(module):
        state_dict[prefix + name] = tensor.detach()


class FrozenModule(nn.Module):
    """Base of modules that never train.

    Call :meth:`freeze` at the end of ``__init__`` (after loading weights): parameters
    get ``requires_grad=False``, the module switches to eval mode and stays there
    whatever ``train()`` is called with (BatchNorm keeps its running statistics), and its
    tensors are left out of the owner's ``state_dict`` and ignored when loading one.
    """

    def freeze(self) -> None:
        self.requires_grad_(False)
        super().train(False)
        self.register_state_dict_post_hook(_drop_own_keys)
        self.register_load_state_dict_pre_hook(_keep_own_tensors)

    def train(self, mode: bool = True) -> 'FrozenModule':
        """Stay in eval mode."""
        return super().train(False)
