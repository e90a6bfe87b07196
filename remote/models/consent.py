"""The six clauses of the remote assistance authorisation, as content.

Editors write a ``ConsentText`` per language in the Wagtail admin (drafts,
revisions, publishing). Each publication that changes the text snapshots it
into an immutable ``ConsentVersion``; an authorisation points to the version the
person read, with the SHA-256 of its canonical text."""

import hashlib

from django.conf import settings
from django.contrib.contenttypes.fields import GenericRelation
from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.models import DraftStateMixin, RevisionMixin

from .append_only import AppendOnlyModel, AppendOnlyQuerySet

CLAUSE_COUNT = 6
CLAUSE_FIELDS = [f"clause_{number}" for number in range(1, CLAUSE_COUNT + 1)]


def canonical_consent_text(intro: str, clauses: list[str]) -> str:
    """The text a hash is computed on: the introduction, then one line per
    clause numbered ``1. …`` to ``6. …``, joined by newlines (``\\n``), each
    part stripped and with its line breaks normalised to ``\\n``."""

    def clean(text: str) -> str:
        return text.replace("\r\n", "\n").replace("\r", "\n").strip()

    lines = [clean(intro)]
    lines += [f"{number}. {clean(text)}" for number, text in enumerate(clauses, 1)]
    return "\n".join(lines)


def consent_sha256(intro: str, clauses: list[str]) -> str:
    text = canonical_consent_text(intro, clauses)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# One label per clause (not a formatted lazy string, which would be evaluated
# once at import in the default language).
CLAUSE_LABELS = [
    _("clause 1"),
    _("clause 2"),
    _("clause 3"),
    _("clause 4"),
    _("clause 5"),
    _("clause 6"),
]


def _clause_field(number: int) -> models.TextField:
    return models.TextField(CLAUSE_LABELS[number - 1])


class ConsentText(DraftStateMixin, RevisionMixin, models.Model):
    """The editable clauses of one language. Publishing a change makes a new
    ``ConsentVersion``; drafts are never shown to customers."""

    language = models.CharField(
        _("language"), max_length=8, choices=settings.LANGUAGES, unique=True
    )
    intro = models.TextField(
        _("introduction"),
        help_text=_("The sentence before the clauses, e.g. “I hereby declare that I:”"),
    )
    clause_1 = _clause_field(1)
    clause_2 = _clause_field(2)
    clause_3 = _clause_field(3)
    clause_4 = _clause_field(4)
    clause_5 = _clause_field(5)
    clause_6 = _clause_field(6)

    _revisions = GenericRelation(
        "wagtailcore.Revision", related_query_name="remote_consent_text"
    )

    panels = [
        FieldPanel("language"),
        FieldPanel("intro"),
        MultiFieldPanel(
            [FieldPanel(name) for name in CLAUSE_FIELDS],
            heading=_("The six mandatory clauses"),
        ),
    ]

    class Meta:
        ordering = ["language"]
        verbose_name = _("remote assistance clauses")
        verbose_name_plural = _("remote assistance clauses")

    def __str__(self) -> str:
        return str(_("Remote assistance clauses (%(language)s)")) % {
            "language": self.get_language_display()
        }

    @property
    def revisions(self):
        return self._revisions

    @property
    def clauses(self) -> list[str]:
        return [getattr(self, name) for name in CLAUSE_FIELDS]

    @property
    def current_version(self) -> "ConsentVersion | None":
        return self.versions.order_by("-number").first()


class ConsentVersionQuerySet(AppendOnlyQuerySet):
    def published(self) -> "ConsentVersionQuerySet":
        """Versions whose text is live (an unpublished text offers none)."""
        return self.filter(consent_text__live=True)

    def current(self, language: str) -> "ConsentVersion | None":
        return self.published().filter(language=language).order_by("-number").first()


class ConsentVersion(AppendOnlyModel):
    """One published text of the clauses in one language, frozen."""

    consent_text = models.ForeignKey(
        ConsentText,
        on_delete=models.PROTECT,
        related_name="versions",
        verbose_name=_("clauses"),
    )
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES)
    number = models.PositiveIntegerField(_("version"))
    intro = models.TextField(_("introduction"))
    clause_1 = _clause_field(1)
    clause_2 = _clause_field(2)
    clause_3 = _clause_field(3)
    clause_4 = _clause_field(4)
    clause_5 = _clause_field(5)
    clause_6 = _clause_field(6)
    sha256 = models.CharField(_("SHA-256 of the text"), max_length=64)
    published_at = models.DateTimeField(_("published"))
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("published by"),
    )

    objects = ConsentVersionQuerySet.as_manager()

    class Meta:
        # Even Django's internal manager refuses update() and delete().
        base_manager_name = "objects"
        ordering = ["language", "-number"]
        verbose_name = _("published clause version")
        verbose_name_plural = _("published clause versions")
        constraints = [
            models.UniqueConstraint(
                fields=["language", "number"], name="remote_consent_version_unique"
            )
        ]

    def __str__(self) -> str:
        return str(_("Clauses %(language)s, version %(number)d")) % {
            "language": self.language,
            "number": self.number,
        }

    @property
    def clauses(self) -> list[str]:
        return [getattr(self, name) for name in CLAUSE_FIELDS]

    @property
    def numbered_clauses(self) -> list[tuple[int, str]]:
        return list(enumerate(self.clauses, 1))

    @property
    def canonical_text(self) -> str:
        return canonical_consent_text(self.intro, self.clauses)

    def text_matches_hash(self) -> bool:
        return consent_sha256(self.intro, self.clauses) == self.sha256
