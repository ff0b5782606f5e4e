"""The Inferencer's data pipeline: the config's test pipeline without its file loaders.

The Inferencer reads (or receives) the photos itself and feeds arrays to the remaining
transforms (``ResizePad``, ``BinarizeMask``, ``PackTryOnInputs``), so a pair gives the
same model input as in ``tools/test.py``. A first step warns about person photos far
from the model's aspect ratio (:func:`~vtonbox.apis.inputs.check_aspect`); it changes
nothing.
"""
import warnings
from typing import NamedTuple, Tuple

from mmengine.config import Config
from mmengine.dataset import Compose

from vtonbox.datasets.transforms import ResizePad
from vtonbox.registry import TRANSFORMS

from .errors import InferenceSetupError
from .inputs import ASPECT_WARN_FACTOR, check_aspect

#: Modalities the Inferencer can provide (the mask made by the cloth-mask parser).
PROVIDED_KEYS = ('person', 'cloth', 'cloth_mask')


class InferencePipeline(NamedTuple):
    """``transforms``: callable on a results dict; ``model_size``: (H, W) of ResizePad;
    ``loads_mask``: whether the config's pipeline reads a cloth mask."""
    transforms: Compose
    model_size: Tuple[int, int]
    loads_mask: bool


class WarnFarAspect:
    """Pipeline step: warn when ``results['person']`` is far from the model's aspect
    ratio (see :func:`~vtonbox.apis.inputs.check_aspect`); the results pass unchanged."""

    def __init__(self, model_size: Tuple[int, int], factor: float = ASPECT_WARN_FACTOR):
        self.model_size = tuple(model_size)
        self.factor = factor

    def __call__(self, results: dict) -> dict:
        name = results.get('person_path') or 'person photo'
        check_aspect(results['person'].shape[:2], self.model_size, f'person photo {name}',
                     self.factor)
        return results

    def __repr__(self) -> str:
        return f'{type(self).__name__}(model_size={self.model_size}, factor={self.factor})'


def config_test_pipeline(cfg: Config) -> list:
    """The test dataloader's pipeline (what ``tools/test.py`` runs), else ``test_pipeline``."""
    loader = cfg.get('test_dataloader') or {}
    from_loader = (loader.get('dataset') or {}).get('pipeline')
    from_var = cfg.get('test_pipeline')
    if from_loader and from_var and list(from_loader) != list(from_var):
        warnings.warn('the config\'s test_dataloader.dataset.pipeline differs from its '
                      'test_pipeline; the Inferencer uses the dataloader\'s (as tools/test.py '
                      'does)', stacklevel=3)
    pipeline = from_loader or from_var
    if not pipeline:
        raise InferenceSetupError('the config has no test pipeline (test_dataloader.dataset.'
                                  'pipeline or test_pipeline)')
    return list(pipeline)


def build_inference_pipeline(cfg: Config) -> InferencePipeline:
    """Build the test pipeline minus its loaders; check it needs only what we provide.

    Raises:
        InferenceSetupError: the pipeline loads modalities other than person, cloth and
            cloth mask (e.g. parsing or pose of a parser-based config), or has no
            ``ResizePad`` (the model size).
    """
    transforms, loaded = [], []
    size = None
    for item in config_test_pipeline(cfg):
        transform = TRANSFORMS.build(item) if isinstance(item, dict) else item
        path_keys = getattr(transform, 'path_keys', None)
        if path_keys is not None:
            loaded += [key[:-len('_path')] for key in path_keys]
            continue
        if isinstance(transform, ResizePad):
            size = transform.size
        transforms.append(transform)
    unsupported = [key for key in loaded if key not in PROVIDED_KEYS]
    if unsupported:
        raise InferenceSetupError(
            f'the config\'s test pipeline loads {unsupported}, which the Inferencer cannot '
            f'provide (it takes only {list(PROVIDED_KEYS)}); use a parser-free config such '
            'as configs/pfafn_student.py')
    if size is None:
        raise InferenceSetupError('the config\'s test pipeline has no ResizePad, so the model '
                                  'size is unknown')
    return InferencePipeline(Compose([WarnFarAspect(size)] + transforms), size,
                             'cloth_mask' in loaded)
