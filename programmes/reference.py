"""Cross-reference frameworks as data, and resolving the references an import could not read.

`frameworks_load` fills in the frameworks from `fixtures/reference/frameworks.json`. It only
creates what is missing, so titles and descriptions an administrator has typed in the admin
are never overwritten by a later `migrate` or `load_demo`.
"""

import json
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from programmes.models import Framework, FrameworkCode, MilestoneReference, UnresolvedReference

FRAMEWORKS_FILE = Path(settings.BASE_DIR) / "fixtures" / "reference" / "frameworks.json"

# The framework a token with no candidates is filed under, when it names no other framework.
DEFAULT_FRAMEWORK_SLUG = "cqc-aoi"


def frameworks_read(path: Path = FRAMEWORKS_FILE) -> list[dict]:
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)["frameworks"]


def frameworks_load(
    *,
    path: Path = FRAMEWORKS_FILE,
    framework_model=Framework,
    code_model=FrameworkCode,
) -> dict[str, int]:
    """Create the frameworks and codes that are missing; return counts of what was created.

    The model arguments let the data migration pass its historical models.
    """
    created = {"frameworks": 0, "codes": 0}
    for fw_position, spec in enumerate(frameworks_read(path), start=1):
        framework, fw_created = framework_model.objects.get_or_create(
            slug=spec["slug"],
            defaults={
                "name": spec["name"],
                "description": spec.get("description", ""),
                "position": spec.get("position", fw_position),
            },
        )
        created["frameworks"] += int(fw_created)
        for position, code in enumerate(spec["codes"], start=1):
            _, code_created = code_model.objects.get_or_create(
                framework=framework,
                code=code["code"],
                defaults={
                    "title": code.get("title", ""),
                    "description": code.get("description", ""),
                    "aliases": code.get("aliases", []),
                    "position": position,
                },
            )
            created["codes"] += int(code_created)
    return created


@transaction.atomic
def unresolved_reference_resolve(
    *, unresolved: UnresolvedReference, code: FrameworkCode, user
) -> MilestoneReference:
    """Link the milestone to the chosen code and mark the token resolved (by whom, when).

    Any code of the token's framework may be chosen, not only the candidates: a person who
    has the original report to hand knows better than the OCR rules.
    """
    unresolved = UnresolvedReference.objects.select_for_update().get(pk=unresolved.pk)
    if code.framework_id != unresolved.framework_id:
        raise ValidationError(
            {"code": f"Choose a code of {unresolved.framework.name} for “{unresolved.raw_token}”"}
        )
    if unresolved.resolved_code_id is not None and unresolved.resolved_code_id != code.pk:
        # Changing a decision: drop the link the earlier one made, if this token made it.
        MilestoneReference.objects.filter(
            milestone_id=unresolved.milestone_id,
            code_id=unresolved.resolved_code_id,
            raw_token=unresolved.raw_token,
        ).delete()
    reference, _ = MilestoneReference.objects.get_or_create(
        milestone_id=unresolved.milestone_id,
        code=code,
        defaults={"raw_token": unresolved.raw_token, "auto_corrected": False},
    )
    unresolved.resolved_code = code
    unresolved.resolved_by = user
    unresolved.resolved_at = timezone.now()
    unresolved.save(update_fields=["resolved_code", "resolved_by", "resolved_at"])
    return reference
