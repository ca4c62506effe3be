"""Root URLs: the web pages, the API under /api/v1, language switching, the health check and the metrics."""

from django.urls import include, path

from paritrana.analytics.urls import public_patterns
from paritrana.api.main import api
from paritrana.award.urls import public_patterns as award_public_patterns
from paritrana.calculator import views as calculator_views
from paritrana.core.observability import metrics
from paritrana.web import views as web_views

urlpatterns = [
    path("healthz", web_views.healthz, name="healthz"),
    path("metrics", metrics, name="metrics"),
    path("api/v1/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("users/", include("paritrana.accounts.urls")),
    path("simulasi/", include("paritrana.calculator.urls")),
    path("aturan/", calculator_views.rulebook, name="rulebook"),
    path("workers/", include("paritrana.registry.urls")),
    path("programs/", include("paritrana.sponsorship.urls")),
    path("indicators/", include("paritrana.analytics.urls")),
    path("publik/", include(public_patterns)),
    path("award/", include("paritrana.award.urls")),
    path("penghargaan/", include(award_public_patterns)),
    path("followup/", include("paritrana.followup.urls")),
    path("", include("paritrana.web.urls")),
]

handler404 = "paritrana.web.errors.not_found"
handler403 = "paritrana.web.errors.forbidden"
handler500 = "paritrana.web.errors.server_error"
