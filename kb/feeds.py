"""RSS and Atom feeds of Rassegna Info: public news only, in the language of
the URL (/it/feeds/news/rss/), overall or for one product line."""

from datetime import datetime, time

from django.contrib.syndication.views import Feed
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from taxonomy.models import ProductLine

from .models import NewsIndexPage
from .services import localized_index_url, news_for_feed


class NewsRssFeed(Feed):
    # One instance serves every request: per-request state lives in ``obj``.

    def get_object(self, request, product_line=None):
        line = None
        if product_line is not None:
            line = get_object_or_404(ProductLine.objects.active(), code=product_line)
        return {"language": get_language(), "line": line, "request": request}

    def title(self, obj):
        if obj["line"] is not None:
            return _("Rassegna Info: %(line)s news") % {"line": obj["line"].name}
        return _("Rassegna Info: product news")

    def description(self, obj):
        return _("News about the products of the Sportello support portal.")

    def subtitle(self, obj):
        return self.description(obj)

    def link(self, obj):
        url = localized_index_url(
            NewsIndexPage, obj["language"], request=obj["request"]
        )
        return url or "/"

    def feed_url(self, obj):
        suffix = "atom" if self.feed_type is Atom1Feed else "rss"
        if obj["line"] is None:
            return reverse(f"kb:news_{suffix}")
        return reverse(f"kb:news_line_{suffix}", args=[obj["line"].code])

    def items(self, obj):
        items = news_for_feed(obj["language"], obj["line"])
        for item in items:
            item.url = item.page.get_url(request=obj["request"])
            item.full_url = item.page.get_full_url(request=obj["request"])
        return items

    def item_title(self, item):
        return item.page.title

    def item_description(self, item):
        return item.page.summary

    def item_link(self, item):
        return item.url

    def item_guid(self, item):
        return item.full_url

    item_guid_is_permalink = True

    def item_pubdate(self, item):
        return timezone.make_aware(datetime.combine(item.page.date, time(9, 0)))

    def item_updateddate(self, item):
        return item.page.last_published_at or self.item_pubdate(item)

    def item_categories(self, item):
        return [line.name for line in item.page.product_lines.all()]


class NewsAtomFeed(NewsRssFeed):
    feed_type = Atom1Feed
