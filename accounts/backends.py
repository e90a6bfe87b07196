from django.contrib.auth.backends import ModelBackend

from .models import User
from .services import find_login_user, lockout_name


class CustomerCodeOrEmailBackend(ModelBackend):
    """Log in with a username (a customer code, for customers) or an e-mail."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None:
            username = kwargs.get(User.USERNAME_FIELD)
        if not username or password is None:
            return None
        user = find_login_user(username)
        if user is None:
            # Hash anyway, so that response time does not reveal unknown users.
            User().set_password(password)
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None


def axes_username(request, credentials: dict | None) -> str | None:
    """For ``AXES_USERNAME_CALLABLE``: count failed logins per account, not per
    spelling, on every login form (the portal's and Wagtail admin's)."""
    username = (credentials or {}).get("username")
    if username is None and request is not None:
        username = request.POST.get("username")
    return None if username is None else lockout_name(username)
