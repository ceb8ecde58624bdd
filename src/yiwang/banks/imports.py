"""The import pages every bank mounts in its own ``urls.py``: template download, upload
form, and the job's status page (progress polled by htmx, problems, duplicate choice)."""

from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect, render

from yiwang.core import excel
from yiwang.core.errors import DomainError, NotFoundError
from yiwang.network.models import School
from yiwang.network.rules import staff_school_ids

from . import selectors, services
from .enums import DuplicateChoice


def template_view(request, *, bank: str):
    importer_cls = excel.get_importer(bank)
    return excel.xlsx_response(excel.build_template(importer_cls), f"{importer_cls.label}导入模板.xlsx")


def import_view(request, *, bank: str, list_url: str, template_url: str, status_url_name: str):
    """Upload form (GET) and start of an import job (POST)."""
    importer_cls = excel.get_importer(bank)
    schools = list(
        School.objects.filter(pk__in=staff_school_ids(request.user), is_active=True).order_by("code")
    )
    error = ""
    if request.method == "POST":
        school = next((s for s in schools if str(s.pk) == request.POST.get("school")), None)
        upload = request.FILES.get("file")
        try:
            if school is None:
                raise DomainError("请选择要导入到的学校（须是您担任管理员、教务、培训或科研人员的学校）。")
            if upload is None:
                raise DomainError("请选择要上传的 Excel 文件。")
            job = services.start_import_job(
                bank=bank,
                upload=upload,
                filename=upload.name,
                school=school,
                by=request.user,
                on_duplicate=request.POST.get("on_duplicate") or None,
            )
        except DomainError as exc:
            error = exc.message
        else:
            messages.success(request, "文件已上传，正在检查。")
            return redirect(status_url_name, job_id=job.pk)
    return render(
        request,
        "banks/excel_import.html",
        {
            "label": importer_cls.label,
            "columns": importer_cls.columns,
            "schools": schools,
            "error": error,
            "list_url": list_url,
            "bank": bank,
            "template_url": template_url,
            "duplicate_choices": DuplicateChoice.choices,
            "max_mb": settings.IMPORT_MAX_BYTES // 1048576,
        },
        status=400 if error else 200,
    )


def import_status_view(request, *, job_id: str, list_url: str):
    """Progress (polled by htmx while running), problems, duplicate choice, result.

    Only the job's owner sees it (NotFoundError for anyone else)."""
    job = selectors.import_job_of(request.user, job_id)
    if request.method == "POST":
        try:
            services.decide_duplicates(
                job=job, by=request.user, on_duplicate=request.POST.get("on_duplicate", "")
            )
        except NotFoundError:
            raise
        except DomainError as exc:
            messages.error(request, exc.message)
        return redirect(request.path)
    context = {
        "job": job,
        "label": excel.get_importer(job.bank).label,
        "list_url": list_url,
        "problems": job.problems,
        "problem_count": job.problem_count,
    }
    template = (
        "banks/excel_import_progress.html"
        if request.headers.get("HX-Request")
        else "banks/excel_import_status.html"
    )
    return render(request, template, context)
