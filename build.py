"""Build evidence.db from data/ — the same as `evidence build` (run `python build.py --help`)."""

import sys

from evidence.cli import cli

if __name__ == "__main__":
    cli(["build", *sys.argv[1:]], prog_name="build.py")
