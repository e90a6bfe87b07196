"""The test settings without the apps that extend cases (deflection, remote):
cases must work, and its tests pass, without them (issue 14). ``make test``
runs ``pytest tests/cases --ds=portal.settings.test_cases_alone``.
"""

from .test import *  # noqa: F403

INSTALLED_APPS = [app for app in INSTALLED_APPS if app not in {"deflection", "remote"}]  # noqa: F405
# Nothing to wire cases to.
CASES_FIRST_STEP = ""
CASES_LOG_CHECK = ""
CASES_LOG_CHECK_URL = ""
