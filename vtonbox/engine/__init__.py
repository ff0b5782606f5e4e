"""Engine components: hooks (distillation, schedule switches, visualisation)."""
from . import hooks  # noqa: F401
