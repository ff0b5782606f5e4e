"""Output equality of a fast / low-precision path against the fp32 model: PSNR and the
largest absolute difference of the try-on images."""
import math
import tempfile
from typing import Callable, Dict, Iterable, Optional

import torch
from torch import Tensor

#: Try-on images are in [-1, 1]: peak-to-peak range 2.
SIGNAL_RANGE = 2.0


def psnr_db(image: Tensor, reference: Tensor) -> Tensor:
    """Per-image PSNR in dB of ``(N, C, H, W)`` images in ``[-1, 1]`` (inf when equal)."""
    mse = (image.float() - reference.float()).pow(2).flatten(1).mean(1)
    return 10 * torch.log10(SIGNAL_RANGE ** 2 / mse)


def compare_outputs(candidate: Callable[..., Tensor], reference: Callable[..., Tensor],
                    batches: Iterable[Dict[str, Tensor]]) -> Dict[str, float]:
    """Run both ``(person, cloth, cloth_mask) -> try-on`` callables on every batch.

    Returns:
        dict: ``psnr_db_mean`` / ``psnr_db_min`` over images (``inf`` for identical
        images is capped to the finite maximum seen, or reported as inf when all are
        identical), ``max_abs_diff`` and ``num_images``.
    """
    psnrs, max_diff = [], 0.0
    with torch.inference_mode():
        for inputs in batches:
            args = (inputs['person'], inputs['cloth'], inputs['cloth_mask'])
            expected = reference(*args).float().cpu()
            got = candidate(*args).float().cpu()
            max_diff = max(max_diff, float((got - expected).abs().max()))
            psnrs += psnr_db(got, expected).tolist()
    if not psnrs:
        raise ValueError('no batches to compare')
    finite = [p for p in psnrs if math.isfinite(p)]
    return dict(psnr_db_mean=sum(finite) / len(finite) if finite else math.inf,
                psnr_db_min=min(psnrs), max_abs_diff=max_diff, num_images=len(psnrs))


def synthetic_split_accuracy(model, candidate: Callable[..., Tensor], size, batch_size: int,
                             num_items: int, data_root: Optional[str] = None,
                             seed: int = 0) -> Dict[str, float]:
    """:func:`compare_outputs` of ``candidate`` against the fp32 model on the synthetic
    test split (unpaired pairs), generated into a temporary folder unless ``data_root``
    already holds one.

    Args:
        model (nn.Module): the fp32 try-on model (``tensor_forward``).
        candidate (callable): ``(person, cloth, cloth_mask) -> try-on`` under test.
        size (tuple[int, int]): model (H, W).
        batch_size (int): pairs per call.
        num_items (int): test pairs to generate / use.
        data_root (str, optional): an existing synthetic dataset root.
        seed (int): dataset seed.
    """
    from vtonbox.datasets import make_synthetic_viton

    from .data import synthetic_test_batches

    def reference(person, cloth, cloth_mask):
        return model.tensor_forward(dict(person=person, cloth=cloth, cloth_mask=cloth_mask))

    device = next(model.parameters()).device
    with tempfile.TemporaryDirectory(prefix='vtonbox_acc_') as tmp:
        root = data_root
        if root is None:
            root = tmp
            make_synthetic_viton(tmp, 0, num_items, seed, size[0], size[1])
        batches = synthetic_test_batches(root, size, batch_size, num_items, device)
        result = compare_outputs(candidate, reference, batches)
    result['data'] = 'synthetic test split' + (f' ({data_root})' if data_root else '')
    return result
