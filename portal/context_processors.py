from .entry_points import visible_entry_points


def portal(request):
    user = getattr(request, "user", None)
    return {"entry_points": lambda: visible_entry_points(user)}
