"""Knowledge-base URLs. Included inside i18n_patterns before Wagtail's page
tree, so every pattern is specific enough not to shadow a page."""

from django.urls import path

from . import feeds, views

app_name = "kb"

urlpatterns = [
    path("kb-go/", views.go_index, name="index"),
    path("news-go/", views.go_news, name="news"),
    path("kb-feedback/<int:page_id>/", views.feedback, name="feedback"),
    path("feeds/news/rss/", feeds.NewsRssFeed(), name="news_rss"),
    path("feeds/news/atom/", feeds.NewsAtomFeed(), name="news_atom"),
    path(
        "feeds/news/<slug:product_line>/rss/",
        feeds.NewsRssFeed(),
        name="news_line_rss",
    ),
    path(
        "feeds/news/<slug:product_line>/atom/",
        feeds.NewsAtomFeed(),
        name="news_line_atom",
    ),
]
