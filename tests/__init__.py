"""The test suite (fixtures and markers: ``tests/conftest.py``).

Imported before any test module: test runs keep compiled modules in ``__pycache__`` (pytest keeps
its assertion-rewritten test modules there too) even where ``PYTHONDONTWRITEBYTECODE`` is set.
Recompiling the ~250 first-party and test modules costs about 2 s of every run, a sixth of the
fast loop. The caches are git-ignored; a read-only checkout just compiles as before.
"""

import sys

sys.dont_write_bytecode = False
