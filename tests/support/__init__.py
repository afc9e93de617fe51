"""Helpers shared by the test modules: clients, firms, factories, fingerprints, browser.

Test modules import from here, never from ``conftest`` or from one another.
"""

PLATFORM = "yk.test"
PASSWORD = "Correct-horse-9"
