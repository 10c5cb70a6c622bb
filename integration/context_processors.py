from django.http import HttpRequest

from integration import roles
from integration.models import DemoDataLoad


def site(request: HttpRequest) -> dict:
    """What the base layout needs on every page: demo-data notice and the user's rights."""
    user = getattr(request, "user", None)
    return {
        "demo_datasets": DemoDataLoad.objects.all,  # lazy: only queried if the layout shows it
        "can_edit_plans": bool(user) and roles.can_edit_plans(user),
        "can_upload_metrics": bool(user) and roles.can_upload_metrics(user),
        "is_administrator": bool(user) and roles.is_administrator(user),
    }
