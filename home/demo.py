"""Demo: the three locales and the home page in each of them."""

from django.conf import settings
from wagtail.models import Locale, Page, Site

from .models import HomePage

HOME = {
    "en": (
        "Welcome to Sportello",
        "<p>Find the answer yourself in the knowledge base and the news, or open "
        "a case: it reaches your reference partner at once.</p>",
    ),
    "it": (
        "Benvenuto in Sportello",
        "<p>Trova da solo la risposta nella documentazione e nelle notizie, oppure "
        "apri un caso: arriva subito al tuo partner di riferimento.</p>",
    ),
    "fi": (
        "Tervetuloa Sportelloon",
        "<p>Löydä vastaus itse tietopankista ja uutisista tai avaa tukipyyntö: se "
        "menee heti yhteyshenkilöllesi.</p>",
    ),
}


def ensure_locales() -> dict[str, Locale]:
    return {
        code: Locale.objects.get_or_create(language_code=code)[0]
        for code, _name in settings.LANGUAGES
    }


def ensure_home_pages(locales: dict[str, Locale]) -> HomePage:
    default = settings.LANGUAGE_CODE
    root = Page.get_first_root_node()
    if root is None:  # a database whose tree was emptied (e.g. flushed)
        root = Page.add_root(title="Root", slug="root", locale=locales[default])
    home = HomePage.objects.filter(locale=locales[default]).first()
    if home is None:
        # Wagtail's migrations leave a placeholder "Welcome" page: replace it.
        for placeholder in root.get_children().filter(
            content_type__model="page", content_type__app_label="wagtailcore"
        ):
            Site.objects.filter(root_page=placeholder).delete()
            placeholder.delete()
        title, intro = HOME[default]
        home = HomePage(title=title, slug="home", intro=intro, locale=locales[default])
        root.add_child(instance=home)
        home.save_revision().publish()
    site = Site.objects.filter(is_default_site=True).first()
    if site is None:
        Site.objects.create(
            hostname="localhost",
            port=80,
            root_page=home,
            is_default_site=True,
            site_name="Sportello",
        )
    elif site.root_page_id != home.pk:
        site.root_page = home
        site.save()
    for code, locale in locales.items():
        if code == default:
            continue
        translation = home.get_translation_or_none(locale)
        if translation is None:
            translation = home.copy_for_translation(locale)
            title, intro = HOME[code]
            translation.title, translation.intro = title, intro
            translation.save_revision().publish()
    return home


def load(stdout) -> None:
    locales = ensure_locales()
    ensure_home_pages(locales)
    stdout.write("  locales and home pages ready")
