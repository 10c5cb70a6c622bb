import sys

from django.contrib.auth.decorators import login_not_required
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, HttpResponseServerError, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from integration.health import database_reachable
from programmes import board_reports
from programmes.permissions import CHANGE_PROGRAMME
from programmes.tables import WORKLIST_ROWS, ProgrammeSummaryTable, WorklistTable


@require_GET
@never_cache
@login_not_required
def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness and database check for load balancers and monitoring: 503 within a few
    seconds when the database does not answer, even when it hangs rather than refuses."""
    if not database_reachable():
        return JsonResponse({"status": "error", "database": "unreachable"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})


def server_error(request: HttpRequest) -> HttpResponse:
    """The 500 handler. A database that is down or unreachable is not a fault of the page:
    say so with a 503 and "try again shortly", rendered without touching the database."""
    error = sys.exc_info()[1]
    if isinstance(error, OperationalError | InterfaceError):
        page = loader.get_template("503.html").render()
        response = HttpResponse(page, status=503)
        response["Retry-After"] = "30"
        return response
    return HttpResponseServerError(loader.get_template("500.html").render())


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """Each user's first page: the exceptions of every programme they take part in; for the
    programmes they manage, also the milestones due, overdue or stale."""
    summaries = board_reports.programme_summaries(request.user)
    managed = [s for s in summaries if request.user.has_perm(CHANGE_PROGRAMME, s.programme)]
    worklists = board_reports.manager_worklist(request.user, managed) if managed else []
    return render(
        request,
        "home.html",
        {
            "summaries": summaries,
            "summary_table": ProgrammeSummaryTable(summaries),
            "worklists": worklists,
            "worklist_rows": WORKLIST_ROWS,
            "worklist_tables": [(wl, WorklistTable(wl)) for wl in worklists],
        },
    )
