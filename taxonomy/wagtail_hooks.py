from django.utils.translation import gettext_lazy as _
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from .models import Area, ProductLine


class ProductLineViewSet(SnippetViewSet):
    model = ProductLine
    icon = "folder-open-inverse"
    list_display = ["name", "code", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["code", "name_en", "name_it", "name_fi"]


class AreaViewSet(SnippetViewSet):
    model = Area
    icon = "folder-inverse"
    list_display = ["name", "code", "product_line", "is_active"]
    list_filter = ["product_line", "is_active"]
    search_fields = ["code", "name_en", "name_it", "name_fi"]


class TaxonomyGroup(SnippetViewSetGroup):
    items = (ProductLineViewSet, AreaViewSet)
    menu_icon = "folder-open-1"
    menu_label = _("Product lines")
    menu_name = "taxonomy"


register_snippet(TaxonomyGroup)
