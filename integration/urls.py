from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path

from integration import audit_views, oidc, views
from integration.forms import SignInForm

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path(
        "accounts/sign-in/",
        oidc.SignInView.as_view(
            template_name="registration/login.html",
            authentication_form=SignInForm,
            redirect_authenticated_user=True,
        ),
        name="login",
    ),
    path("accounts/sign-out/", auth_views.LogoutView.as_view(), name="logout"),
    path("audit/", audit_views.change_log, name="audit_log"),
    # Sign-in with the organisation's account (OpenID Connect); 404 until it is set up.
    path(
        "accounts/organisation/sign-in/",
        login_not_required(oidc.OrganisationSignInView.as_view()),
        name="oidc_sign_in",
    ),
    path(
        "accounts/organisation/callback/",
        login_not_required(oidc.OrganisationCallbackView.as_view()),
        name="oidc_callback",
    ),
    path("programmes/", include("programmes.urls")),
    path("metrics/", include("metrics.urls")),
    path("admin/", admin.site.urls),
]

# A database outage answers 503 "try again shortly"; any other fault the plain 500 page.
handler500 = "integration.views.server_error"
