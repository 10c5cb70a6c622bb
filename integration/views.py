from django.contrib.auth.decorators import login_not_required
from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from integration import roles
from programmes import board_reports
from programmes.tables import WORKLIST_ROWS, ProgrammeSummaryTable, WorklistTable


@require_GET
@never_cache
@login_not_required
def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness and database check for load balancers and monitoring."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return JsonResponse({"status": "error", "database": "unreachable"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})


def home(request: HttpRequest) -> HttpResponse:
    """Each role's first page: board members see exceptions per programme; programme
    managers also see the milestones due, overdue or stale."""
    summaries = board_reports.programme_summaries()
    worklists = []
    if roles.can_edit_plans(request.user):
        worklists = board_reports.manager_worklist(request.user, summaries)
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
