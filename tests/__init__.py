"""Mentorbot's tests.

pytest-xdist sets COLUMNS=80 and LINES=24 in its workers; the CLI's console takes COLUMNS as
its fixed width when it is first imported, so the width each CLI test gives its run would be
lost. This package is imported before any test module or conftest, hence here.
"""

import os

if os.environ.get("PYTEST_XDIST_WORKER"):
    os.environ.pop("COLUMNS", None)
    os.environ.pop("LINES", None)
