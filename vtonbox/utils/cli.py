"""One way for every command-line tool to report a user error.

A user error (a missing file, a bad checkpoint, a busy port, a wrong option) is printed
as one line::

    error: <what> (<file>): <what to do>

and the tool exits with :data:`EXIT_USER_ERROR` (2), without a traceback. Anything else
is a bug and keeps its traceback. ``--debug`` on the command line or ``VTONBOX_DEBUG=1``
in the environment shows the traceback of user errors too.

Tools wrap their ``main`` with :func:`run_tool`::

    if __name__ == '__main__':
        sys.exit(run_tool(main))
"""
import os
import sys
import traceback
from typing import Callable, Optional, Sequence, Tuple, Type

from mmengine.config import DictAction

#: Exit status of a user error (as argparse uses for bad arguments).
EXIT_USER_ERROR = 2
#: Environment variable that shows tracebacks of user errors.
DEBUG_ENV = 'VTONBOX_DEBUG'


class UserError(Exception):
    """An error the user can fix; printed as ``<what> (<file>): <what to do>``.

    Args:
        what (str): what is wrong, e.g. ``'checkpoint is an empty file'``.
        file (str, optional): the file (or port, option) it is about.
        todo (str, optional): what to do about it.
    """

    def __init__(self, what: str, file: Optional[str] = None,
                 todo: Optional[str] = None) -> None:
        self.what, self.file, self.todo = what, file, todo
        super().__init__(self.line())

    def line(self) -> str:
        text = self.what
        if self.file:
            text += f' ({self.file})'
        if self.todo:
            text += f': {self.todo}'
        return text


#: Error classes of other vtonbox modules that are user errors: ``(module, names)``.
#: Looked up only when their module is already imported (else none can have been raised),
#: so reporting an error imports nothing heavy.
_OTHER_USER_ERRORS = (
    ('vtonbox.apis.errors', ('TryOnInputError', 'InferenceSetupError')),
    ('vtonbox.datasets.readers', ('DataFileError',)),
)


def user_error_types() -> Tuple[Type[BaseException], ...]:
    """Exception types that are user errors and print one line.

    Besides :class:`UserError` (and :class:`~vtonbox.utils.checkpoint.CheckpointError`):
    the data readers' ``DataFileError``, the inference API's input / set-up errors,
    weights that do not fit a model, and missing files, which all carry a message
    naming the file.
    """
    from vtonbox.utils.state_dict import WeightsMismatchError
    types = [UserError, WeightsMismatchError, FileNotFoundError]
    for module_name, names in _OTHER_USER_ERRORS:
        module = sys.modules.get(module_name)
        if module is not None:
            types += [getattr(module, name) for name in names]
    return tuple(types)


def debug_requested(argv: Optional[Sequence[str]] = None) -> bool:
    """True with ``--debug`` in ``argv`` (default ``sys.argv``) or ``VTONBOX_DEBUG=1``."""
    argv = sys.argv[1:] if argv is None else argv
    return '--debug' in argv or os.environ.get(DEBUG_ENV, '') not in ('', '0')


def without_debug_flag(argv: Optional[Sequence[str]] = None) -> list:
    """``argv`` (default ``sys.argv[1:]``) without ``--debug`` (handled here)."""
    argv = sys.argv[1:] if argv is None else argv
    return [a for a in argv if a != '--debug']


def one_line(message: str) -> str:
    """A multi-line message (e.g. the keys of a checkpoint that does not fit) as one
    line: the first line, then the others joined with ``'; '``."""
    lines = [line.strip() for line in str(message).strip().splitlines() if line.strip()]
    if len(lines) <= 1:
        return lines[0] if lines else ''
    return f'{lines[0]} {"; ".join(lines[1:])}'


def report_user_error(error: BaseException, stream=None) -> int:
    """Print ``error: <message>`` on one line (a multi-line message is joined with
    ``; ``) and return :data:`EXIT_USER_ERROR`."""
    stream = stream or sys.stderr
    message = error.line() if isinstance(error, UserError) else str(error)
    if isinstance(error, KeyError) and message.startswith(("'", '"')):
        message = message[1:-1]  # KeyError quotes its message
    print(f'error: {one_line(message) or type(error).__name__}', file=stream, flush=True)
    return EXIT_USER_ERROR


def run_tool(main: Callable[[list], Optional[int]],
             argv: Optional[Sequence[str]] = None) -> int:
    """Run a tool's ``main(argv)``, turning user errors into one line and exit 2.

    ``--debug`` is removed from ``argv`` before ``main`` sees it.
    """
    debug = debug_requested(argv)
    args = without_debug_flag(argv)
    try:
        result = main(args)
    except user_error_types() as error:
        if debug:
            traceback.print_exc()
        return report_user_error(error)
    except KeyboardInterrupt:
        print('error: interrupted', file=sys.stderr)
        return 130
    return int(result or 0)


class CfgOptionsAction(DictAction):
    """MMEngine's ``DictAction`` for ``--cfg-options KEY=VALUE ...`` whose bad items
    (no ``=``, unbalanced brackets) are a :class:`UserError` instead of a traceback.

    Use as ``parser.add_argument('--cfg-options', nargs='+', action=CfgOptionsAction)``.
    """

    def __call__(self, parser, namespace, values, option_string=None):
        option = option_string or self.dest
        for item in values:
            if '=' not in item or not item.split('=', 1)[0]:
                raise UserError(f'{option} item {item!r} is not KEY=VALUE', option,
                                'write e.g. train_cfg.max_iters=10 (no spaces around =)')
        try:
            super().__call__(parser, namespace, values, option_string)
        except (ValueError, AssertionError, IndexError) as error:
            reason = str(error)
            raise UserError(f'cannot parse {" ".join(values)!r}: '
                            f'{reason[:1].lower()}{reason[1:]}', option,
                            'write KEY=VALUE, lists as KEY=[a,b] or KEY=a,b') from error


def require_file(path: str, what: str = 'file', todo: str = 'check the path') -> str:
    """``path`` when it is a file; else :class:`UserError` ``<what> not found (<path>)``."""
    if not os.path.isfile(path):
        raise UserError(f'{what} not found', path, todo)
    return path


def require_dir(path: str, what: str = 'folder', todo: str = 'check the path') -> str:
    """``path`` when it is a folder; else :class:`UserError` ``<what> not found (<path>)``."""
    if not os.path.isdir(path):
        raise UserError(f'{what} not found', path, todo)
    return path


#: Device types a try-on model can run on.
DEVICE_TYPES = ('cpu', 'cuda', 'mps')
#: What to do about a device name that is not one of :data:`DEVICE_TYPES`.
_DEVICE_NAMES = "use 'cpu', 'cuda', 'cuda:N' or 'mps'"


def check_device(device, option: str = '--device'):
    """``torch.device(device)`` after checking that it exists on this machine: the one
    device check of the command-line tools and of the inference API.

    Args:
        device (str | torch.device): e.g. ``'cpu'``, ``'cuda'``, ``'cuda:1'``, ``'mps'``.
        option (str): the option it came from, named in the messages.

    Raises:
        UserError: not a device name, not a device type of :data:`DEVICE_TYPES`, CUDA
            (MPS) asked for but not available, or no such CUDA device index.
    """
    import torch
    name = str(device)
    try:
        parsed = torch.device(device)
    except (RuntimeError, ValueError, TypeError):
        raise UserError(f'unknown device {name!r}', option, _DEVICE_NAMES) from None
    if parsed.type not in DEVICE_TYPES:
        raise UserError(f'unsupported device {name!r}', option, _DEVICE_NAMES)
    given = f'{option} {name}'
    if parsed.type == 'cuda':
        if not torch.cuda.is_available():
            raise UserError('no CUDA device is available', given, f'use {option} cpu')
        count = torch.cuda.device_count()
        if parsed.index is not None and parsed.index >= count:
            raise UserError(f'there is no CUDA device {parsed.index} ({count} available)',
                            given, f'use an index below {count}')
    if parsed.type == 'mps' and not torch.backends.mps.is_available():
        raise UserError('MPS is not available', given, f'use {option} cpu')
    return parsed
