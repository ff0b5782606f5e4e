"""User errors of the evaluation code: bad image folders, lists and weights files.

Both are :class:`~vtonbox.utils.cli.UserError` (tools print them as one line
``error: <what> (<file>): <what to do>`` and exit 2) and keep the built-in type that
callers caught before (``FileNotFoundError`` / ``ValueError``).
"""
from vtonbox.utils.cli import UserError


class EvaluationFileNotFoundError(UserError, FileNotFoundError):
    """A folder, list or weights file the evaluation needs does not exist."""


class EvaluationInputError(UserError, ValueError):
    """An input of the evaluation that exists but cannot be used (no images, a bad line
    in a pairs file, images of different sizes, a corrupt weights file)."""
