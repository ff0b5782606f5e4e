"""Mixed precision on CPU: an optimizer wrapper that runs the forward in bf16 autocast.

MMEngine's ``AmpOptimWrapper`` refuses to start without a GPU. On CPUs with native
bf16 (AMX, AVX512-BF16) autocast still pays off, and bf16 needs no loss scaling, so
this wrapper only adds ``torch.autocast('cpu', dtype=bfloat16)`` around the forward.
``tools/train.py --amp`` picks it when CUDA is not available.
"""
from contextlib import contextmanager
from typing import Iterator

import torch
from mmengine.optim import OptimWrapper

from vtonbox.registry import OPTIM_WRAPPERS


@OPTIM_WRAPPERS.register_module()
class CPUAutocastOptimWrapper(OptimWrapper):
    """``OptimWrapper`` whose ``optim_context`` enables CPU autocast.

    Args:
        dtype (str): autocast dtype, ``'bfloat16'`` (default) or ``'float16'``.
        **kwargs: passed to :class:`mmengine.optim.OptimWrapper`.
    """

    def __init__(self, dtype: str = 'bfloat16', **kwargs) -> None:
        super().__init__(**kwargs)
        if dtype not in ('bfloat16', 'float16'):
            raise ValueError(f"dtype must be 'bfloat16' or 'float16', got {dtype!r}")
        self.cast_dtype = getattr(torch, dtype)

    @contextmanager
    def optim_context(self, model: torch.nn.Module) -> Iterator[None]:
        with super().optim_context(model), torch.autocast('cpu', dtype=self.cast_dtype):
            yield
