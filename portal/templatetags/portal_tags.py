from django import template
from django.conf import settings
from django.urls import translate_url
from django.utils.translation import get_language, get_language_info

register = template.Library()


@register.simple_tag(takes_context=True)
def language_links(context) -> list[dict]:
    """Links to the current page in every portal language.

    A Wagtail page links to its translations (or, where one is missing, to the
    home page in that language); any other view to the same URL translated.
    """
    request = context.get("request")
    page = context.get("page")
    current = get_language()
    links = []
    translations = {}
    homes = {}
    if page is not None and hasattr(page, "get_translations"):
        translations = _live_translations(page)
        site = page.get_site()
        if site is not None:
            homes = _live_translations(site.root_page)
    for code, _name in settings.LANGUAGES:
        info = get_language_info(code)
        if code in translations:
            url = translations[code].get_url(request=request)
        elif code in homes:
            # The same URL in another language would be a 404.
            url = homes[code].get_url(request=request)
        elif request is not None:
            url = translate_url(request.get_full_path(), code)
        else:
            url = f"/{code}/"
        links.append(
            {
                "code": code,
                "name": info["name_local"],
                "url": url,
                "current": code == current,
            }
        )
    return links


def _live_translations(page) -> dict:
    return {
        translation.locale.language_code: translation
        for translation in (
            page.get_translations(inclusive=True).live().select_related("locale")
        )
    }
