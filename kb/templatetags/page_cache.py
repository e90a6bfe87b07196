"""``{% personal "name" arg=value %}``: a part of a page that belongs to its
reader (kb.pagecache.fragments)."""

from django import template

from kb.pagecache.fragments import personal as personal_fragment

register = template.Library()


@register.simple_tag(takes_context=True)
def personal(context, name: str, **arguments):
    return personal_fragment(context.get("request"), name, arguments)
