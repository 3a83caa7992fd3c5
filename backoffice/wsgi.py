import os

from django.contrib.staticfiles.storage import ManifestFilesMixin
from django.core.exceptions import ImproperlyConfigured
from django.core.files.storage import storages
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backoffice.settings")
application = get_wsgi_application()


def require_collected_static() -> None:
    """Refuse to serve without the build step's static files: without their manifest every
    admin page would answer 500 ("Missing staticfiles manifest entry"), one request at a time."""
    storage = storages["staticfiles"]
    if isinstance(storage, ManifestFilesMixin) and not storage.manifest_storage.exists(
        storage.manifest_name
    ):
        raise ImproperlyConfigured(
            f"No static files manifest in {storage.location}: run "
            "`python manage.py collectstatic --noinput` at build time (the Dockerfile does; "
            "see README, Production)."
        )


require_collected_static()
