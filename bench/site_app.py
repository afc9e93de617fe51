"""The real app for the home page benchmark (configuration from the environment)."""

from yk_saas import create_app

app = create_app()
