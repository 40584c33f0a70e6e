import sys

from heap_mock.cli import main

sys.exit(main())
