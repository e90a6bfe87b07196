"""Signals the knowledge base sends.

``pages_imported``: sent once after ``import_article_lines`` has committed
what it wrote (never for a dry run). ``sender`` is the import function;
``pages`` is a list of ``(model, pk)`` of every page written. The import
skips Wagtail's per-page publish signals, so this is how listeners (the
search index) learn what changed.
"""

from django.dispatch import Signal

pages_imported = Signal()
