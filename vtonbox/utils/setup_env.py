"""Environment set-up: register every vtonbox module and set the default scope."""
import datetime
import warnings

from mmengine import DefaultScope


def register_all_modules(init_default_scope: bool = True) -> None:
    """Import every vtonbox module so that it lands in the registries.

    Args:
        init_default_scope (bool): also make ``vtonbox`` the current default scope,
            so that ``type='AFlowNet'`` resolves without a ``vtonbox.`` prefix.
    """
    import vtonbox.apis  # noqa: F401
    import vtonbox.datasets  # noqa: F401
    import vtonbox.engine  # noqa: F401
    import vtonbox.evaluation  # noqa: F401
    import vtonbox.models  # noqa: F401
    import vtonbox.visualization  # noqa: F401

    if not init_default_scope:
        return
    current = DefaultScope.get_current_instance()
    if current is None or not DefaultScope.check_instance_created('vtonbox'):
        DefaultScope.get_instance('vtonbox', scope_name='vtonbox')
    if current is not None and current.scope_name != 'vtonbox':
        warnings.warn(f'The current default scope "{current.scope_name}" is not "vtonbox"; '
                      '`register_all_modules` creates a new default scope named '
                      f'vtonbox-{datetime.datetime.now()} to avoid a clash.', stacklevel=2)
        DefaultScope.get_instance(f'vtonbox-{datetime.datetime.now()}', scope_name='vtonbox')
