"""Registries of vtonbox, one per kind of buildable object.

Each node is a child of the MMEngine root registry of the same kind, so MMEngine's
Runner finds vtonbox modules under the default scope ``vtonbox`` and still falls back
to MMEngine's own (e.g. ``Adam``, ``LoggerHook``). ``locations`` names the packages
that are imported lazily the first time a registry is searched, so a config builds
without the caller importing anything first.

Every kind the Runner builds from a config has a vtonbox node, including those vtonbox
adds nothing to yet (loops, log processors, optimizers, optimizer-wrapper constructors,
model wrappers): without one, MMEngine warns "Failed to search registry with scope
vtonbox" on every run, although it then builds the object from its own registry.
"""
from mmengine.registry import DATA_SAMPLERS as MMENGINE_DATA_SAMPLERS
from mmengine.registry import DATASETS as MMENGINE_DATASETS
from mmengine.registry import EVALUATOR as MMENGINE_EVALUATOR
from mmengine.registry import HOOKS as MMENGINE_HOOKS
from mmengine.registry import LOG_PROCESSORS as MMENGINE_LOG_PROCESSORS
from mmengine.registry import LOOPS as MMENGINE_LOOPS
from mmengine.registry import METRICS as MMENGINE_METRICS
from mmengine.registry import MODEL_WRAPPERS as MMENGINE_MODEL_WRAPPERS
from mmengine.registry import MODELS as MMENGINE_MODELS
from mmengine.registry import OPTIM_WRAPPER_CONSTRUCTORS as MMENGINE_OPTIM_WRAPPER_CONSTRUCTORS
from mmengine.registry import OPTIM_WRAPPERS as MMENGINE_OPTIM_WRAPPERS
from mmengine.registry import OPTIMIZERS as MMENGINE_OPTIMIZERS
from mmengine.registry import PARAM_SCHEDULERS as MMENGINE_PARAM_SCHEDULERS
from mmengine.registry import RUNNERS as MMENGINE_RUNNERS
from mmengine.registry import TRANSFORMS as MMENGINE_TRANSFORMS
from mmengine.registry import VISBACKENDS as MMENGINE_VISBACKENDS
from mmengine.registry import VISUALIZERS as MMENGINE_VISUALIZERS
from mmengine.registry import WEIGHT_INITIALIZERS as MMENGINE_WEIGHT_INITIALIZERS
from mmengine.registry import Registry

#: Networks, losses, parsers, data preprocessors and try-on algorithms.
MODELS = Registry('model', parent=MMENGINE_MODELS, locations=['vtonbox.models'])
DATASETS = Registry('dataset', parent=MMENGINE_DATASETS, locations=['vtonbox.datasets'])
DATA_SAMPLERS = Registry(
    'data sampler', parent=MMENGINE_DATA_SAMPLERS, locations=['vtonbox.datasets'])
TRANSFORMS = Registry(
    'transform', parent=MMENGINE_TRANSFORMS, locations=['vtonbox.datasets.transforms'])
METRICS = Registry('metric', parent=MMENGINE_METRICS, locations=['vtonbox.evaluation'])
EVALUATOR = Registry('evaluator', parent=MMENGINE_EVALUATOR, locations=['vtonbox.evaluation'])
HOOKS = Registry('hook', parent=MMENGINE_HOOKS, locations=['vtonbox.engine'])
VISUALIZERS = Registry(
    'visualizer', parent=MMENGINE_VISUALIZERS, locations=['vtonbox.visualization'])
VISBACKENDS = Registry(
    'vis_backend', parent=MMENGINE_VISBACKENDS, locations=['vtonbox.visualization'])
OPTIM_WRAPPERS = Registry(
    'optim_wrapper', parent=MMENGINE_OPTIM_WRAPPERS, locations=['vtonbox.engine'])
PARAM_SCHEDULERS = Registry(
    'parameter scheduler', parent=MMENGINE_PARAM_SCHEDULERS, locations=['vtonbox.engine'])
RUNNERS = Registry('runner', parent=MMENGINE_RUNNERS, locations=['vtonbox.engine'])
LOOPS = Registry('loop', parent=MMENGINE_LOOPS, locations=['vtonbox.engine'])
LOG_PROCESSORS = Registry(
    'log_processor', parent=MMENGINE_LOG_PROCESSORS, locations=['vtonbox.engine'])
OPTIMIZERS = Registry('optimizer', parent=MMENGINE_OPTIMIZERS, locations=['vtonbox.engine'])
OPTIM_WRAPPER_CONSTRUCTORS = Registry(
    'optimizer wrapper constructor', parent=MMENGINE_OPTIM_WRAPPER_CONSTRUCTORS,
    locations=['vtonbox.engine'])
MODEL_WRAPPERS = Registry(
    'model_wrapper', parent=MMENGINE_MODEL_WRAPPERS, locations=['vtonbox.engine'])
#: ``init_cfg`` types (e.g. partial initialisation of a student from its teacher).
WEIGHT_INITIALIZERS = Registry('weight initializer', parent=MMENGINE_WEIGHT_INITIALIZERS,
                               locations=['vtonbox.models'])

__all__ = [
    'MODELS', 'DATASETS', 'DATA_SAMPLERS', 'TRANSFORMS', 'METRICS', 'EVALUATOR', 'HOOKS',
    'VISUALIZERS', 'VISBACKENDS', 'OPTIM_WRAPPERS', 'PARAM_SCHEDULERS', 'RUNNERS',
    'WEIGHT_INITIALIZERS', 'LOOPS', 'LOG_PROCESSORS', 'OPTIMIZERS',
    'OPTIM_WRAPPER_CONSTRUCTORS', 'MODEL_WRAPPERS'
]
