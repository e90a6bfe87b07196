import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.production")

application = get_wsgi_application()

# What is loaded by now (Django, Wagtail, the models, the URL and template
# machinery) lives as long as the process. Freezing it keeps it out of the
# garbage collector's full passes, which otherwise stop a request for
# 100-200 ms now and then (measured with bench/search_latency.py), and lets
# workers forked from a preloading server (gunicorn --preload) share those
# memory pages instead of copying them when the collector writes to them.
gc.freeze()
