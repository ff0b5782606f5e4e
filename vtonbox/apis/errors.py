"""Errors and warnings of the inference API.

Tools catch exactly these (plus ``DataFileError`` from the readers) and print their
message with exit code 2; anything else is a bug and keeps its traceback.
"""


class TryOnInputError(ValueError):
    """A person, garment or mask input that cannot be used (wrong size, type, count)."""


class InferenceSetupError(ValueError):
    """A config, device, precision or checkpoint that cannot be used for inference."""


class CheckpointMismatchError(InferenceSetupError):
    """A checkpoint whose weights do not fit the model built from the config.

    Attributes:
        missing (list[str]): model keys absent from the checkpoint.
        unexpected (list[str]): checkpoint keys the model does not have.
        shape_mismatch (list[tuple]): ``(key, checkpoint shape, model shape)``.
    """

    def __init__(self, message: str, missing=(), unexpected=(), shape_mismatch=()):
        super().__init__(message)
        self.missing = list(missing)
        self.unexpected = list(unexpected)
        self.shape_mismatch = list(shape_mismatch)


class TryOnInputWarning(UserWarning):
    """An input that was adapted (huge photo downscaled, mask resized)."""
