from typing import Any

from django.http import HttpRequest

from integration import roles
from integration.models import DemoDataLoad


def site(request: HttpRequest) -> dict[str, Any]:
    """What the base layout needs on every page: demo-data notice and the user's rights."""
    # An error page may render before the authentication middleware has set a user.
    user = getattr(request, "user", None)
    return {
        "demo_datasets": DemoDataLoad.objects.all,  # lazy: only queried if the layout shows it
        "can_edit_plans": user is not None and roles.can_edit_plans(user),
        "can_upload_metrics": user is not None and roles.can_upload_metrics(user),
        "is_administrator": user is not None and roles.is_administrator(user),
    }
