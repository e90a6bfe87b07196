from django.http import HttpResponseServerError
from django.template import loader
from django.views.decorators.csrf import requires_csrf_token


@requires_csrf_token
def server_error(request, template_name="500.html"):
    """500 page in the portal's look. It renders with a minimal context (no
    context processors, no database) because the error may lie there."""
    template = loader.get_template(template_name)
    return HttpResponseServerError(template.render({"request_path": request.path}))
