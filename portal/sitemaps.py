"""The sitemap of every language: Wagtail's own lists the pages under the
site's root page only, which is one locale's home; the others are its
translations, each the root of a tree of its own."""

from django.db.models import Q
from wagtail.contrib.sitemaps import Sitemap
from wagtail.models import Page


class AllLocalesSitemap(Sitemap):
    """Live, public pages under the site's home page and its translations.
    Each page still decides what it lists (``get_sitemap_urls``: articles that
    are not public list nothing)."""

    def items(self):
        root = self.get_wagtail_site().root_page
        trees = Q()
        for home in root.get_translations(inclusive=True):
            trees |= Page.objects.descendant_of_q(home, inclusive=True)
        return (
            Page.objects.filter(trees)
            .live()
            .public()
            .order_by("path")
            .defer_streamfields()
            .specific()
        )
