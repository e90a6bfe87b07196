"""Knowledge-base URLs. Included inside i18n_patterns before Wagtail's page
tree, so every pattern is specific enough not to shadow a page."""

from django.urls import path

from . import feeds, pagecache, views

app_name = "kb"

# Public news only, the same for every reader: served from the page cache.
news_rss = pagecache.cacheable_view(tags=[pagecache.LISTINGS])(feeds.NewsRssFeed())
news_atom = pagecache.cacheable_view(tags=[pagecache.LISTINGS])(feeds.NewsAtomFeed())

urlpatterns = [
    path("kb-go/", views.go_index, name="index"),
    path("news-go/", views.go_news, name="news"),
    path("kb-feedback/<int:page_id>/", views.feedback, name="feedback"),
    path("feeds/news/rss/", news_rss, name="news_rss"),
    path("feeds/news/atom/", news_atom, name="news_atom"),
    path("feeds/news/<slug:product_line>/rss/", news_rss, name="news_line_rss"),
    path("feeds/news/<slug:product_line>/atom/", news_atom, name="news_line_atom"),
]
