"""Domain logic of the knowledge base and the news digest.

Views, feeds, the import command and the demo loader call these functions;
they hold the rules (who sees what, which translation a listing shows, how an
import writes pages) so that no view has to.
"""

from .feedback import (
    feedback_report_queryset,
    has_voted,
    record_feedback,
    session_hash,
)
from .importer import ImportReport, LineProblem, import_article_lines
from .listings import (
    ListedPage,
    article_context,
    articles_for_error_codes,
    browse_knowledge_base,
    error_codes_in_log,
    feedback_context,
    news_context,
    news_digest_context,
    news_for_feed,
    pick_translations,
    visible_translations,
)
from .pages import ensure_index_pages, index_page_for, localized_index_url

__all__ = [
    "ImportReport",
    "LineProblem",
    "ListedPage",
    "article_context",
    "articles_for_error_codes",
    "browse_knowledge_base",
    "ensure_index_pages",
    "error_codes_in_log",
    "feedback_context",
    "feedback_report_queryset",
    "has_voted",
    "import_article_lines",
    "index_page_for",
    "localized_index_url",
    "news_context",
    "news_digest_context",
    "news_for_feed",
    "pick_translations",
    "record_feedback",
    "session_hash",
    "visible_translations",
]
