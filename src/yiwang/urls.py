from django.urls import include, path

from .api import api, openapi_document

urlpatterns = [
    path("", include("yiwang.portal.urls")),
    path("accounts/", include("yiwang.accounts.urls")),
    path("network/", include("yiwang.network.urls")),
    path("audit/", include("yiwang.activity.urls")),
    path("faculty/", include("yiwang.faculty.urls")),
    path("topics/", include("yiwang.topics.urls")),
    path("courses/", include("yiwang.courses.urls")),
    path("research/", include("yiwang.research.urls")),
    path("classes/", include("yiwang.classes.urls")),
    path("reviews/", include("yiwang.reviews.urls")),
    path("exchanges/", include("yiwang.exchanges.urls")),
    path("codev/", include("yiwang.codev.urls")),
    path("calls/", include("yiwang.calls.urls")),
    path("sites/", include("yiwang.sites.urls")),
    path("alliances/", include("yiwang.alliances.urls")),
    path("search/", include("yiwang.search.urls")),
    path("dashboards/", include("yiwang.dashboards.urls")),
    path("api/v1/openapi.json", openapi_document, name="openapi"),
    path("api/v1/", api.urls),
]
# Uploaded files are never served publicly: each app's download view checks visibility.

# Chinese error pages in the site layout; the API answers unknown paths in its JSON error shape.
handler404 = "yiwang.portal.views.page_not_found"
handler500 = "yiwang.portal.views.server_error"
