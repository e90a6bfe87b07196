from django.contrib.auth.backends import ModelBackend

from .models import User
from .services import find_login_user


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
