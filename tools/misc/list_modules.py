"""List every module registered in vtonbox's registries (what configs can name)."""
import argparse
import sys

from vtonbox import registry
from vtonbox.utils import register_all_modules
from vtonbox.utils.cli import run_tool

#: Registries worth listing to a user, in display order.
REGISTRY_NAMES = ('MODELS', 'DATASETS', 'TRANSFORMS', 'METRICS', 'HOOKS', 'VISUALIZERS',
                  'OPTIM_WRAPPERS')


def main(argv=None):
    argparse.ArgumentParser(description=__doc__).parse_args(argv)
    register_all_modules()
    for name in REGISTRY_NAMES:
        node = getattr(registry, name)
        modules = sorted(node.module_dict)
        print(f'{name} ({len(modules)}): {", ".join(modules) if modules else "-"}')


if __name__ == '__main__':
    sys.exit(run_tool(main))
