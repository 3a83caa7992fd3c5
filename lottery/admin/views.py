"""Admin views Django ships that need a guard in front of them."""

from django.contrib.contenttypes.models import ContentType
from django.contrib.contenttypes.views import shortcut
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse


def view_on_site(request: HttpRequest, content_type_id: str, object_id: str) -> HttpResponse:
    """Django's "view on site" redirect, with a malformed id a 404 instead of a 500 (Django
    catches ValueError only, and a UUID primary key raises ValidationError)."""
    found = (
        ContentType.objects.filter(pk=content_type_id).first()
        if content_type_id.isdigit()
        else None
    )
    model = found.model_class() if found else None
    if model is None:
        raise Http404("No such content type.")
    try:
        model._meta.pk.to_python(object_id)
    except ValidationError as exc:
        raise Http404("No such object.") from exc
    return shortcut(request, content_type_id, object_id)
