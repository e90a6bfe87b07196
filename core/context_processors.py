"""Template context that every page may need from the ground floor."""

from .throttle import refusal_seconds


def rate_limit(request) -> dict:
    """``retry_after``: the seconds until the rate limit that refused this
    request lets it through again, else None. A form answered with 429 uses it
    to say that nothing needs correcting, only waiting, instead of the usual
    "please correct what is marked below"."""
    return {"retry_after": refusal_seconds()}
