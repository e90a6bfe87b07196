"""Fixtures for the portal tests: a small HTML reader for rendered pages."""

from html.parser import HTMLParser

import pytest


class PageReader(HTMLParser):
    """What a page offers, as a browser would read it: its language, forms,
    stylesheets and scripts, skip link, main region and language switcher."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.html_lang = None
        self.forms: list[dict] = []
        self.assets: list[str] = []
        self.anchors: list[dict] = []
        self.main_ids: list[str] = []
        self._in_lang_nav = False
        self.language_links: dict[str, str] = {}

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "html":
            self.html_lang = attributes.get("lang")
        elif tag == "form":
            self.forms.append(
                {
                    "method": (attributes.get("method") or "get").lower(),
                    "action": attributes.get("action"),
                    "fields": [],
                }
            )
        elif tag == "input" and self.forms:
            self.forms[-1]["fields"].append(attributes.get("name"))
        elif tag == "link" and attributes.get("href"):
            self.assets.append(attributes["href"])
        elif tag == "script" and attributes.get("src"):
            self.assets.append(attributes["src"])
        elif tag == "main":
            self.main_ids.append(attributes.get("id"))
        elif tag == "nav" and "lang-nav" in (attributes.get("class") or ""):
            self._in_lang_nav = True
        elif tag == "a":
            self.anchors.append(attributes)
            if self._in_lang_nav and attributes.get("hreflang"):
                self.language_links[attributes["hreflang"]] = attributes["href"]

    def handle_endtag(self, tag):
        if tag == "nav":
            self._in_lang_nav = False

    @property
    def has_skip_link(self) -> bool:
        return any(
            "skip-link" in (a.get("class") or "") and a.get("href") == "#main"
            for a in self.anchors
        )


@pytest.fixture
def read_page():
    def read(response_or_html) -> PageReader:
        html = response_or_html
        if not isinstance(html, str):
            html = response_or_html.content.decode()
        reader = PageReader()
        reader.feed(html)
        reader.close()
        return reader

    return read
