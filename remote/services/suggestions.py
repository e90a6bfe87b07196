"""The deflection hook of the remote assistance page.

Before the authorisation form the page offers the articles most likely to
solve the problem without a remote session (``templates/remote/includes/
suggested_articles.html`` renders them); the deflection app chooses them.
"""

from deflection.services import articles_for_case


def suggested_articles(case, language: str, limit: int) -> list:
    """The ``limit`` (``REMOTE_SUGGESTED_ARTICLES``, 3) most relevant published
    articles for ``case`` (None for an anonymous visitor or when no case is
    chosen) in ``language``, as objects with ``title`` and ``url`` (Wagtail
    pages have both)."""
    return articles_for_case(case, language, limit)
