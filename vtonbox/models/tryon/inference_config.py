"""Derive an inference-only model config from a training config.

Training configs carry parts that inference must not need: the frozen teacher (its
checkpoint), the losses (the VGG19 weights file), distillation settings and the
partial-initialisation ``init_cfg`` (the previous stage's checkpoint). Testing and the
Inferencer build the model without them, so a user who only has the student's
weights (e.g. the converted official ones) can run it.

The rewriter is :func:`vtonbox.utils.model_loading.offline_model_config`;
:func:`inference_model_config` is it with its default (training parts dropped).
"""
from vtonbox.utils.model_loading import TRAINING_ONLY_KEYS, offline_model_config

#: ``inference_model_config(model_cfg)``: copy of ``model_cfg`` without external files
#: and with every key of :data:`TRAINING_ONLY_KEYS` set to None.
inference_model_config = offline_model_config

__all__ = ['TRAINING_ONLY_KEYS', 'inference_model_config', 'offline_model_config']
