"""Every function and method of vtonbox's public API has complete type hints.

The public API is every function and class named in ``__all__`` of a vtonbox package or
module, plus the public methods (names without a leading ``_``, and ``__init__`` /
``__call__``) of those classes that vtonbox itself defines, on the class or on a vtonbox
base class; methods inherited from MMEngine, MMCV or torch are not checked. Properties
count as methods (getter return, setter value).

Each such callable must annotate every parameter except ``self`` / ``cls`` and
``*args`` / ``**kwargs``, and its return (``-> None`` for ``__init__``). A failure lists
every gap as ``module.qualname(param)`` or ``module.qualname(return)``.
"""
import functools
import importlib
import inspect
import pkgutil
from types import ModuleType
from typing import Callable, Dict, Iterator, List, Tuple

import vtonbox

PACKAGE = 'vtonbox'
#: Dunder methods that are part of the public API.
PUBLIC_DUNDERS = ('__init__', '__call__')
#: Parameters that need no annotation.
IMPLICIT_FIRST = ('self', 'cls')
VARIADIC = (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD)


def _is_own(obj: object) -> bool:
    """Defined in vtonbox (not re-exported from MMEngine, torch, ...)."""
    return (getattr(obj, '__module__', None) or '').split('.')[0] == PACKAGE


def vtonbox_modules() -> List[ModuleType]:
    """Every package and module of vtonbox, imported."""
    errors: List[str] = []
    names = {PACKAGE}
    names.update(info.name for info in pkgutil.walk_packages(
        vtonbox.__path__, f'{PACKAGE}.', onerror=errors.append))
    modules = []
    for name in sorted(names):
        try:
            modules.append(importlib.import_module(name))
        except Exception as exc:  # reported below, all at once
            errors.append(f'{name}: {type(exc).__name__}: {exc}')
    assert not errors, 'vtonbox modules that fail to import:\n' + '\n'.join(errors)
    return modules


def _method_functions(attr: str, value: object) -> Iterator[Tuple[Callable, bool]]:
    """``(function, is_method)`` pairs behind a class attribute (none if not callable)."""
    if isinstance(value, staticmethod):
        yield value.__func__, False
    elif isinstance(value, classmethod):
        yield value.__func__, True
    elif isinstance(value, property):
        yield from ((f, True) for f in (value.fget, value.fset) if f is not None)
    elif isinstance(value, functools.cached_property):
        yield value.func, True
    elif inspect.isfunction(value):
        yield value, True


def public_callables() -> Dict[str, Tuple[Callable, bool]]:
    """``qualified name -> (function, is_method)`` of the whole public API."""
    found: Dict[str, Tuple[Callable, bool]] = {}
    seen_classes = set()
    for module in vtonbox_modules():
        for name in getattr(module, '__all__', ()):
            obj = getattr(module, name, None)
            if inspect.isfunction(obj) and _is_own(obj):
                found[f'{obj.__module__}.{obj.__qualname__}'] = (obj, False)
            elif inspect.isclass(obj) and _is_own(obj):
                for klass in obj.__mro__:
                    if klass in seen_classes or not _is_own(klass):
                        continue
                    seen_classes.add(klass)
                    for attr, value in vars(klass).items():
                        if attr.startswith('_') and attr not in PUBLIC_DUNDERS:
                            continue
                        for fn, is_method in _method_functions(attr, value):
                            if _is_own(fn):
                                qualname = f'{klass.__module__}.{klass.__qualname__}.{attr}'
                                found.setdefault(qualname, (fn, is_method))
    return found


def missing_hints(qualname: str, fn: Callable, is_method: bool) -> List[str]:
    """``qualname(param)`` / ``qualname(return)`` for every missing annotation of ``fn``."""
    try:
        signature = inspect.signature(fn)
    except (TypeError, ValueError):
        return [f'{qualname}(<no signature>)']
    params = list(signature.parameters.values())
    if is_method and params and params[0].name in IMPLICIT_FIRST:
        params = params[1:]
    missing = [f'{qualname}({p.name})' for p in params
               if p.kind not in VARIADIC and p.annotation is inspect.Parameter.empty]
    if signature.return_annotation is inspect.Signature.empty:
        missing.append(f'{qualname}(return)')
    return missing


def test_public_api_is_fully_annotated():
    missing = []
    for qualname, (fn, is_method) in sorted(public_callables().items()):
        missing += missing_hints(qualname, fn, is_method)
    assert not missing, (f'{len(missing)} missing type hints in the public API:\n'
                         + '\n'.join(missing))


def test_walk_covers_functions_methods_and_inherited_vtonbox_methods():
    api = public_callables()
    # a function, a class's __init__ / forward, loss and predict of a try-on model
    # (defined on its vtonbox base), a transform and a metric.
    for qualname in ('vtonbox.models.ops.flow.identity_grid',
                     'vtonbox.models.tryon.parser_free.ParserFreeTryOn.__init__',
                     'vtonbox.models.tryon.base_tryon.BaseTryOnModel.forward',
                     'vtonbox.models.tryon.parser_free.ParserFreeTryOn.predict',
                     'vtonbox.datasets.transforms.loading.LoadTryOnImage.read',
                     'vtonbox.evaluation.metrics.fid.FID.compute_metrics'):
        assert qualname in api, qualname
    # methods inherited from MMEngine / torch are not part of vtonbox's API
    assert not any(name.startswith(('mmengine.', 'mmcv.', 'torch.')) for name in api)


def test_missing_hints_reports_every_gap():

    class Example:

        def method(self, a, b: int, *args, c=1, **kwargs):
            return a

        @staticmethod
        def static(x: int) -> int:
            return x

    assert missing_hints('m.Example.method', Example.method, True) == [
        'm.Example.method(a)', 'm.Example.method(c)', 'm.Example.method(return)']
    assert missing_hints('m.Example.static', Example.__dict__['static'].__func__,
                         False) == []
