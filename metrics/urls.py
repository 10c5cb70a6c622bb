from django.urls import path

from metrics import views

app_name = "metrics"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("uploads/", views.upload_list, name="upload_list"),
]
