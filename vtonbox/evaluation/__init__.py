"""Evaluation: metrics registered in ``METRICS``."""
from . import metrics  # noqa: F401
