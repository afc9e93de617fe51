"""People of a firm: sign-in, sessions, invitations, resets, two-factor and the rank rule."""


def init_app(app) -> None:
    """Who is signed in: the session's user, checked on every request."""
    from yk_saas.accounts.session import load_user
    from yk_saas.extensions import login_manager

    login_manager.user_loader(load_user)
