"""A thumbnailer for Oscar's ``oscar_thumbnail`` tag that needs no imaging library.

Oscar 4.2 renders product images through ``OSCAR_THUMBNAILER``, by default sorl-thumbnail (or
easy-thumbnails), neither of which the example shop installs. This one serves the original
file and lets the templates' CSS size it. For the "image not found" placeholder it points
at Oscar's static copy, so nothing has to be linked into ``MEDIA_ROOT``.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.core.files.storage import default_storage
from django.templatetags.static import static
from oscar.core.thumbnails import AbstractThumbnailer


@dataclass(frozen=True)
class Thumbnail:
    url: str


class OriginalImageThumbnailer(AbstractThumbnailer):
    def generate_thumbnail(self, source, **opts):
        url = getattr(source, "url", None)
        if url is None:
            name = str(getattr(source, "name", source))
            if name == settings.OSCAR_MISSING_IMAGE_URL:
                url = static(f"oscar/img/{name}")
            else:
                url = default_storage.url(name)
        return Thumbnail(url=url)

    def delete_thumbnails(self, source):
        """Nothing to delete: no thumbnails are ever written."""
