from django.urls import path

from programmes import views
from programmes.import_urls import urlpatterns as import_urlpatterns

app_name = "programmes"
urlpatterns = [
    path("", views.programme_list, name="programme_list"),
    *import_urlpatterns,
]
