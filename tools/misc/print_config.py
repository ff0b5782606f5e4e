"""Print a config with every ``_base_`` resolved: ``python tools/misc/print_config.py CONFIG``."""
import argparse
import sys

from vtonbox.engine.launch import load_config
from vtonbox.utils.cli import CfgOptionsAction, run_tool


def main(argv=None):
    parser = argparse.ArgumentParser(description='Print the resolved config')
    parser.add_argument('config', help='config file path')
    parser.add_argument('--cfg-options', nargs='+', action=CfgOptionsAction,
                        help='override config entries before printing')
    args = parser.parse_args(argv)
    cfg = load_config(args.config, args.cfg_options)
    print(cfg.pretty_text)


if __name__ == '__main__':
    sys.exit(run_tool(main))
