from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def home(request: HttpRequest) -> HttpResponse:
    """The front door: what GRS is, and the ways to file and to follow a grievance."""
    return render(request, "home.html")
