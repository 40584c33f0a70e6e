"""`python -m forwarder`: the same as `heap-forward`."""

import sys

from forwarder.cli import main

sys.exit(main())
