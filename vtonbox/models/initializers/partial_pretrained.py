"""``init_cfg`` that copies part of another model's checkpoint into a sub-network.

PF-AFN initialises the student warp from the parser-based teacher's warp, except the
condition branch and the refine nets (docs/advanced_guides/distillation.md). As config::

    init_cfg = dict(type='PartialPretrained',
                    checkpoint='work_dirs/pbafn_tryon/epoch_100.pth',
                    src_prefix='warp_model.', dst='warp_model',
                    exclude=[r'^cond_', r'^warper\\.refine_nets'])
"""
from typing import Optional, Sequence

from mmengine.logging import print_log
from torch import nn

from vtonbox.registry import WEIGHT_INITIALIZERS
from vtonbox.utils.checkpoint import CheckpointError, read_state_dict, select_prefixed
from vtonbox.utils.state_dict import bare_submodule, listed


@WEIGHT_INITIALIZERS.register_module()
class PartialPretrained:
    """Load ``src_prefix.*`` keys of ``checkpoint`` into ``module.<dst>``, minus exclusions.

    Every key of the destination that is neither excluded nor found in the checkpoint
    is an error (listed), as is a shape mismatch, so a wrong prefix cannot silently
    load nothing.

    Args:
        checkpoint (str): checkpoint file.
        src_prefix (str): prefix of the keys to take from the checkpoint.
        dst (str): dotted attribute path of the destination sub-module ('' = the module).
        exclude (Sequence[str]): regular expressions of destination keys to leave as
            initialised (searched in the key without prefix).
        made_by (str, optional): command that creates the checkpoint, for the error
            message when it is missing.
    """

    def __init__(self, checkpoint: str, src_prefix: str = '', dst: str = '',
                 exclude: Sequence[str] = (), made_by: Optional[str] = None) -> None:
        self.checkpoint = checkpoint
        self.src_prefix = src_prefix
        self.dst = dst
        self.exclude = tuple(exclude)
        self.made_by = made_by

    def __call__(self, module: nn.Module) -> None:
        target = bare_submodule(module, self.dst)  # the bare network, even under DDP
        source = select_prefixed(read_state_dict(self.checkpoint, self.made_by),
                                 self.src_prefix)
        wanted = select_prefixed({k: v for k, v in target.state_dict().items()}, '',
                                 self.exclude)
        missing = sorted(k for k in wanted if k not in source)
        mismatched = sorted(k for k in wanted if k in source
                            and source[k].shape != wanted[k].shape)
        if missing or mismatched:
            problems = '; '.join(
                ([f'{len(missing)} missing keys: {listed(missing)}'] if missing else []) +
                ([f'{len(mismatched)} shape mismatches: {listed(mismatched)}']
                 if mismatched else []))
            todo = f'pass the checkpoint written by: {self.made_by}' if self.made_by else \
                'check init_cfg.checkpoint and src_prefix'
            raise CheckpointError(self.checkpoint, f'does not fit {self.dst or "the model"} '
                                  f'(keys {self.src_prefix!r}*: {problems})', todo)
        target.load_state_dict({k: source[k] for k in wanted}, strict=False)
        print_log(f'PartialPretrained: loaded {len(wanted)} tensors of {self.dst or "model"} '
                  f'from {self.checkpoint} ({self.src_prefix!r}); '
                  f'{len(target.state_dict()) - len(wanted)} excluded', logger='current')
