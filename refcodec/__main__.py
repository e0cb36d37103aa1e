"""``python -m refcodec`` is the ``gpc`` command."""

import sys

from .cli import main

sys.exit(main())
