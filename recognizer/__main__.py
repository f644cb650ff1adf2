import sys

from recognizer.cli import main

sys.exit(main())
