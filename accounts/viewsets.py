from wagtail.users.views.users import UserViewSet as WagtailUserViewSet

from .admin_forms import SportelloUserCreationForm, SportelloUserEditForm


class UserViewSet(WagtailUserViewSet):
    def get_form_class(self, for_update=False):
        return SportelloUserEditForm if for_update else SportelloUserCreationForm
