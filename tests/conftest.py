"""Suite-wide test settings.

Under CI (``CI`` set, as ``.ci/run`` runs) hypothesis is derandomized and has no deadline:
the run is reproducible and a loaded 2-core machine cannot fail a test on timing alone.
Locally the default profile keeps exploring new examples on every run.
"""

from __future__ import annotations

import os

from hypothesis import settings

settings.register_profile("ci", derandomize=True, deadline=None, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")
