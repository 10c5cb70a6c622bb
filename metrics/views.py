from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def upload_list(request: HttpRequest) -> HttpResponse:
    return render(request, "metrics/upload_list.html")
