"""Base class of the try-on algorithms: the one contract (``warp``, ``render``, ``loss``,
``predict``), mode dispatch, packing predictions into ``TryOnDataSample``s, a guarded
training step, and the helpers the algorithms share."""
import math
from typing import Any, Dict, List, Optional, Sequence, Tuple, Union

import torch
from mmengine.model import BaseModel
from mmengine.optim import OptimWrapper
from torch import Tensor, nn

from vtonbox.models.generators.composition import TryOnComposition
from vtonbox.models.warpers.outputs import WarpOutput
from vtonbox.registry import MODELS
from vtonbox.structures import TryOnDataSample
from vtonbox.utils import to_uint8_image
from vtonbox.utils.state_dict import bare_children, strip_wrapper_keys_hook

#: What to do when a loss term is NaN or infinite.
NONFINITE_POLICIES = ('raise', 'skip')
#: ``nonfinite_loss='skip'`` stops training after this many skipped updates in a row.
NONFINITE_MAX_CONSECUTIVE_SKIPS = 100
#: Log key of the number of updates skipped so far (logged from the first skip on).
NONFINITE_SKIPPED_LOG_KEY = 'skipped_updates'


def cloth_targets(inputs: Dict[str, Tensor]) -> Tuple[Tensor, Tensor]:
    """The worn cloth of the real photo: ``(person * upper_cloth_mask, upper_cloth_mask)``,
    (N, 3, H, W) in [-1, 1] and (N, 1, H, W) in {0, 1}."""
    mask = inputs['upper_cloth_mask']
    return inputs['person'] * mask, mask


def inference_only(model_name: str) -> RuntimeError:
    """The error of calling ``loss`` on a model built without losses."""
    return RuntimeError(f'{model_name} was built for inference (no losses/teacher); '
                        'build it from the training config to train it')


def share_vgg(warp_loss: Optional[nn.Module], gen_loss: Optional[nn.Module]) -> None:
    """Let both losses use one frozen VGG19 (half the memory and start-up time)."""
    if getattr(warp_loss, 'vgg_loss', None) is not None and hasattr(gen_loss, 'vgg_loss'):
        gen_loss.vgg_loss = warp_loss.vgg_loss


class BaseTryOnModel(BaseModel):
    """Shared behaviour of every try-on algorithm.

    The contract every algorithm implements (so metrics, hooks, the teacher and the
    tools never switch on the algorithm's type):

    * ``warp(inputs, person=None) -> WarpOutput``: the paired cloth of the batch warped
      onto the person;
    * ``render(inputs, out, cloth_region=None, person=None) -> TryOnComposition``: the
      generator and the composition for a warp output (algorithms with a generator);
    * ``loss(inputs, data_samples) -> dict`` and
      ``predict(inputs, data_samples) -> list[TryOnDataSample]``; ``forward`` dispatches
      on MMEngine's ``mode``.

    ``person`` is the (N, 3, H, W) photo a photo-conditioned algorithm warps onto (the
    student gets its tutor image in training); it defaults to ``inputs['person']`` and
    algorithms conditioned on parsing and pose ignore it.

    Args:
        data_preprocessor (dict): defaults to :class:`TryOnDataPreprocessor`.
        nonfinite_loss (str): ``'raise'`` stops training with an error naming the
            non-finite loss terms; ``'skip'`` logs them and skips the update of that
            iteration (gradients are dropped, parameters and optimizer state untouched).
            A skipped step logs its real loss values (NaN / inf where non-finite) and
            ``skipped_updates``, the count so far.
        max_consecutive_skips (int): with ``'skip'``, stop training with an error after
            this many consecutive skipped updates (the model is not training any more).
            The count restarts after every good update.
        init_cfg (dict | list, optional): MMEngine weight initialisation.
    """

    def __init__(self, data_preprocessor: Optional[dict] = None,
                 nonfinite_loss: str = 'raise',
                 max_consecutive_skips: int = NONFINITE_MAX_CONSECUTIVE_SKIPS,
                 init_cfg: Optional[Union[dict, List[dict]]] = None) -> None:
        if nonfinite_loss not in NONFINITE_POLICIES:
            raise ValueError(f'nonfinite_loss must be one of {NONFINITE_POLICIES}, '
                             f'got {nonfinite_loss!r}')
        if isinstance(max_consecutive_skips, bool) or not isinstance(max_consecutive_skips, int) \
                or max_consecutive_skips < 1:
            raise ValueError('max_consecutive_skips must be a positive integer, '
                             f'got {max_consecutive_skips!r}')
        data_preprocessor = data_preprocessor or dict(type='TryOnDataPreprocessor')
        if isinstance(data_preprocessor, dict):
            # vtonbox's registry: works without a default scope being set
            data_preprocessor = MODELS.build(data_preprocessor)
        super().__init__(data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        self.nonfinite_loss = nonfinite_loss
        # Checkpoints of older multi-process runs carry `module.` inside their keys.
        self.register_load_state_dict_pre_hook(strip_wrapper_keys_hook)
        self.skipped_updates = 0
        self.max_consecutive_skips = max_consecutive_skips
        self.consecutive_skips = 0

    # ------------------------------------------------------------------ dispatch
    def forward(self, inputs: Dict[str, Tensor], data_samples: Optional[list] = None,
                mode: str = 'tensor'
                ) -> Union[Dict[str, Tensor], List[TryOnDataSample], Tensor]:
        if mode == 'loss':
            return self.loss(inputs, data_samples)
        if mode == 'predict':
            return self.predict(inputs, data_samples)
        if mode == 'tensor':
            return self.tensor_forward(inputs)
        raise ValueError(f"mode must be 'loss', 'predict' or 'tensor', got {mode!r}")

    def loss(self, inputs: Dict[str, Tensor],
             data_samples: Optional[Sequence] = None) -> Dict[str, Tensor]:
        raise NotImplementedError(f'{type(self).__name__} does not train')

    def predict(self, inputs: Dict[str, Tensor],
                data_samples: Optional[Sequence] = None) -> List[TryOnDataSample]:
        raise NotImplementedError(f'{type(self).__name__} does not predict')

    def tensor_forward(self, inputs: Dict[str, Tensor]) -> Union[Tensor, List[TryOnDataSample]]:
        """Raw network outputs (used by benchmarks and export); predict by default."""
        return self.predict(inputs, None)

    # ------------------------------------------------------------------ contract
    def warp(self, inputs: Dict[str, Tensor], person: Optional[Tensor] = None) -> WarpOutput:
        """Warp the (masked) paired cloth of ``inputs`` onto the person -> ``WarpOutput``."""
        raise NotImplementedError(f'{type(self).__name__} does not warp')

    def render(self, inputs: Dict[str, Tensor], out: WarpOutput,
               cloth_region: Optional[Tensor] = None,
               person: Optional[Tensor] = None) -> TryOnComposition:
        """Generator + composition for a warp output -> ``TryOnComposition``.

        Args:
            cloth_region (Tensor, optional): (N, 1, H, W) region the new cloth may cover
                (the real cloth mask in training); None at test time.
        """
        raise NotImplementedError(f'{type(self).__name__} has no generator')

    # ------------------------------------------------------------------ weights
    # Under `MMSeparateDistributedDataParallel` every trainable child is wrapped in a DDP;
    # these see through the wrappers, so one checkpoint layout serves 1 and N processes
    # and initialisation (e.g. `PartialPretrained`) runs on the bare networks.
    def state_dict(self, *args, **kwargs) -> Dict[str, Tensor]:
        with bare_children(self):
            return super().state_dict(*args, **kwargs)

    def load_state_dict(self, state_dict: Dict[str, Tensor], strict: bool = True,
                        assign: bool = False) -> Any:
        with bare_children(self):
            return super().load_state_dict(state_dict, strict=strict, assign=assign)

    def init_weights(self) -> None:
        with bare_children(self):
            super().init_weights()

    # ------------------------------------------------------------------ training
    def train_step(self, data: Union[dict, tuple, list],
                   optim_wrapper: OptimWrapper) -> Dict[str, Tensor]:
        """One update with a finiteness check of every loss term before the step."""
        with optim_wrapper.optim_context(self):
            data = self.data_preprocessor(data, True)
            losses = self._run_forward(data, mode='loss')
        bad = nonfinite_terms(losses)
        if any_rank_true(bool(bad), device=next(iter(losses.values())).device):
            bad = bad or ['(on another rank)']
            message = f'non-finite loss terms {", ".join(bad)}'
            if self.nonfinite_loss == 'raise':
                raise FloatingPointError(
                    f'{message} (model.nonfinite_loss=raise): lower the learning rate, '
                    "check the data, or set model.nonfinite_loss='skip' to skip such "
                    'iterations')
            optim_wrapper.zero_grad()
            self.skipped_updates += 1
            self.consecutive_skips += 1
            if self.consecutive_skips >= self.max_consecutive_skips:
                raise FloatingPointError(
                    f'{message} in {self.consecutive_skips} consecutive iterations, no '
                    f'update made (model.max_consecutive_skips='
                    f'{self.max_consecutive_skips}): the model is not training; lower the '
                    'learning rate or check the data')
            from mmengine.logging import print_log
            print_log(f'{message}; update skipped ({self.skipped_updates} so far, '
                      f'{self.consecutive_skips} in a row)', logger='current', level=30)
            # Log what this step computed (NaN / inf included), not nothing: a missing
            # `loss` would let the log repeat the previous step's value.
            with torch.no_grad():
                _, log_vars = self.parse_losses(losses)
            log_vars[NONFINITE_SKIPPED_LOG_KEY] = torch.tensor(float(self.skipped_updates))
            return log_vars
        self.consecutive_skips = 0
        parsed, log_vars = self.parse_losses(losses)
        optim_wrapper.update_params(parsed)
        return log_vars

    # ------------------------------------------------------------------ packing
    def pack_tryon(self, data_samples: Optional[Sequence[TryOnDataSample]],
                   inputs: Dict[str, Tensor], out: WarpOutput,
                   comp: Optional[TryOnComposition] = None,
                   **extra: Tensor) -> List[TryOnDataSample]:
        """:meth:`pack_predictions` of what a try-on predicts: the batch's ``person`` and
        ``cloth``, the ``extra`` fields (e.g. ``tutor``), ``pred_warped_cloth`` /
        ``pred_warped_mask`` of ``out`` and, given the composition ``comp``,
        ``pred_rendered`` / ``pred_tryon``."""
        fields = dict(person=inputs['person'], cloth=inputs['cloth'], **extra,
                      pred_warped_cloth=out.warped_cloth, pred_warped_mask=out.warped_mask)
        if comp is not None:
            fields.update(pred_rendered=comp.rendered, pred_tryon=comp.tryon)
        return self.pack_predictions(data_samples, len(inputs['person']), **fields)

    @staticmethod
    def pack_predictions(data_samples: Optional[Sequence[TryOnDataSample]],
                         batch_size: int, **fields: Tensor) -> List[TryOnDataSample]:
        """Write predictions into data samples as uint8 images.

        Args:
            data_samples: the batch's samples (new empty ones when None).
            **fields: name -> (N, C, H, W) tensor; images (C=3) in [-1, 1], masks (C=1)
                in [0, 1].
        """
        samples = list(data_samples) if data_samples is not None else \
            [TryOnDataSample() for _ in range(batch_size)]
        for name, tensor in fields.items():
            value_range = 'unit' if tensor.shape[1] == 1 else 'signed'
            images = to_uint8_image(tensor.detach(), value_range).cpu()
            for sample, image in zip(samples, images):
                setattr(sample, name, image)
        return samples


def any_rank_true(flag: bool, device: torch.device) -> bool:
    """True when ``flag`` is true on any process (all ranks must take the same branch)."""
    if not (torch.distributed.is_available() and torch.distributed.is_initialized()):
        return flag
    if torch.distributed.get_backend() == 'nccl' and device.type != 'cuda':
        device = torch.device('cuda', torch.cuda.current_device())
    value = torch.tensor([float(flag)], device=device)
    torch.distributed.all_reduce(value, op=torch.distributed.ReduceOp.MAX)
    return bool(value.item())


def nonfinite_terms(losses: Dict[str, Union[Tensor, Sequence[Tensor]]]) -> List[str]:
    """Names of loss terms that contain NaN or infinity."""
    bad = []
    for name, value in losses.items():
        values = value if isinstance(value, (list, tuple)) else [value]
        for v in values:
            finite = torch.isfinite(v).all().item() if isinstance(v, Tensor) \
                else math.isfinite(float(v))
            if not finite:
                bad.append(name)
                break
    return bad
