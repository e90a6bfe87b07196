"""Which indexed documents a user may find: the rule of the apps whose
documents they are, handed over with their document provider
(``search.providers.reader_visibilities``). The search layer keeps no copy
of any app's rule: a search never lists a page its reader could not open.
"""

from __future__ import annotations

from .providers import reader_visibilities


def visible_visibilities(user) -> frozenset[str]:
    """The visibilities of the documents ``user`` may find."""
    return reader_visibilities(user)
