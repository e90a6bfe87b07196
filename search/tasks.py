"""Background tasks that keep the index in step with the providers' content.

Apps enqueue them after their own transaction commits, e.g.
``transaction.on_commit(lambda: index_document_task.enqueue(key, lang))``; the
task asks the provider for the current document, so a late or repeated run
still indexes the latest version.
"""

from django_tasks import task

from . import services
from .providers import find_document


@task()
def index_document_task(key: str, lang: str) -> bool:
    """Index the provider's current document ``key`` in ``lang``, or remove it
    from the index when no provider has it any more. True when indexed."""
    document = find_document(key, lang)
    if document is None:
        services.remove_document(key, lang)
        return False
    services.index_document(document)
    return True


@task()
def remove_document_task(key: str, lang: str) -> None:
    """Remove ``key`` in ``lang`` from the index."""
    services.remove_document(key, lang)
