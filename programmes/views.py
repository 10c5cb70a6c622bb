from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def programme_list(request: HttpRequest) -> HttpResponse:
    return render(request, "programmes/programme_list.html")
