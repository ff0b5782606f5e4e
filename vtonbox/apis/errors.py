"""Errors and warnings of the inference API.

Tools catch exactly these (plus ``DataFileError`` from the readers) and print their
message with exit code 2; anything else is a bug and keeps its traceback.
"""


from vtonbox.utils.state_dict import WeightsMismatchError


class TryOnInputError(ValueError):
    """A person, garment or mask input that cannot be used (wrong size, type, count)."""


class InferenceSetupError(ValueError):
    """A config, device, precision or checkpoint that cannot be used for inference."""


class CheckpointMismatchError(InferenceSetupError, WeightsMismatchError):
    """A checkpoint whose weights do not fit the model built from the config; carries
    ``missing``, ``unexpected`` and ``shape_mismatches`` (see
    :class:`vtonbox.utils.state_dict.WeightsMismatchError`)."""


class TryOnInputWarning(UserWarning):
    """An input that was adapted (huge photo downscaled, mask resized)."""
