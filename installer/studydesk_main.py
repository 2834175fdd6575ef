"""Entry point of the frozen app (PyInstaller): the same as the ``studydesk`` console script."""

import sys

from client.cli import main

if __name__ == "__main__":
    sys.exit(main())
