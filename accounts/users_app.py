from wagtail.users.apps import WagtailUsersAppConfig


class SportelloUsersAppConfig(WagtailUsersAppConfig):
    """Wagtail's users app, with a user viewset whose forms show the company
    (customer or partner) a user belongs to."""

    user_viewset = "accounts.viewsets.UserViewSet"
