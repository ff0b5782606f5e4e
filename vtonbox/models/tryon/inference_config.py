"""Derive an inference-only model config from a training config.

Training configs carry parts that inference must not need: the frozen teacher (its
checkpoint), the losses (the VGG19 weights file), distillation settings and the
partial-initialisation ``init_cfg`` (the previous stage's checkpoint). Testing and the
Inferencer build the model without them, so a user who only has the student's
weights (e.g. the converted official ones) can run it.
"""
import copy

#: Model config keys that only training needs.
TRAINING_ONLY_KEYS = ('teacher', 'warp_loss', 'gen_loss', 'distill_cfg', 'init_cfg')


def inference_model_config(model_cfg: dict) -> dict:
    """Copy of ``model_cfg`` with every key of :data:`TRAINING_ONLY_KEYS` set to None."""
    cfg = copy.deepcopy(model_cfg)
    for key in TRAINING_ONLY_KEYS:
        if key in cfg:
            cfg[key] = None
    return cfg
