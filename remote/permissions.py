"""Who may do what in remote assistance. Views, templates and querysets
(``Authorisation.objects.visible_to``) all use these rules:

- anyone may authorise (the manual's page is public); only a customer's users
  link a case, and only one of their company's open cases;
- the customer's session page: the users of the authorising company, or the
  browser that authorised (its Django session holds the page's signed token);
- opening a session with its code: the customer's reference partner, the
  linked case's assigned partner, or staff; nobody else, with the same refusal
  as a wrong code;
- the partner's session page: the user who opened it, or staff;
- authorisations (reserved area, PDF): the company's users, the partners who
  may open its session or opened it, staff; revoking: the company's users.

Staff are users with the ``remote.view_authorisation`` permission (superusers).
Anyone else gets a 404, as if the object did not exist.
"""

from .models import Authorisation, RemoteSession


def _active(user) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active)


def is_remote_staff(user) -> bool:
    return _active(user) and user.has_perm("remote.view_authorisation")


def can_use_desk(user) -> bool:
    """The partner desk: partners' users and staff."""
    return _active(user) and (user.partner_id is not None or is_remote_staff(user))


def is_authorisation_customer(user, authorisation: Authorisation) -> bool:
    return (
        _active(user)
        and user.customer_id is not None
        and user.customer_id == authorisation.customer_id
    )


def is_authorisation_partner(user, authorisation: Authorisation) -> bool:
    """A user of a partner that may open the session (reference partner, the
    case's partner) or that opened it."""
    if not _active(user) or user.partner_id is None:
        return False
    if user.partner_id in authorisation.partner_ids:
        return True
    session = getattr(authorisation, "session", None)
    opener = session.opened_by if session and session.opened_by_id else None
    return opener is not None and opener.partner_id == user.partner_id


def can_view_authorisation(user, authorisation: Authorisation) -> bool:
    return (
        is_authorisation_customer(user, authorisation)
        or is_authorisation_partner(user, authorisation)
        or is_remote_staff(user)
    )


def can_revoke_authorisation(user, authorisation: Authorisation) -> bool:
    return is_authorisation_customer(user, authorisation) and not (
        authorisation.is_revoked
    )


def can_see_remote_history(user) -> bool:
    """The reserved area's list: customers (their company) and staff (all)."""
    return _active(user) and (user.customer_id is not None or is_remote_staff(user))


def can_follow_session(user, session: RemoteSession, tokens=()) -> bool:
    """The customer's side of a session: the authorising company's users, or
    the browser that authorised (``tokens``: the signed tokens in its session)."""
    if is_authorisation_customer(user, session.authorisation):
        return True
    from .services.sessions import customer_token

    return customer_token(session) in tokens


def can_open_session(user, session: RemoteSession) -> bool:
    """May ``user`` open ``session`` with its code?"""
    if not _active(user):
        return False
    if is_remote_staff(user):
        return True
    return (
        user.partner_id is not None
        and user.partner_id in session.authorisation.partner_ids
    )


def can_work_session(user, session: RemoteSession) -> bool:
    """The partner's side of a session: who opened it, or staff."""
    return _active(user) and (
        (session.opened_by_id is not None and session.opened_by_id == user.pk)
        or is_remote_staff(user)
    )
