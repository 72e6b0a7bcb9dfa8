"""Pages of directives, issuing side: the list (收到的 / 发出的 / 草稿), drafting and editing, one
directive with its versions and what changed, and the steps (submit, approve, revise, withdraw,
close). The receiving side's panel (sign, feedback, forward) and the board link are included into
the detail page from `command/directive_receiving.html`, which the receiving part owns.

Every directive is looked up in `queries.visible_directives(user)` (404 outside it); every write
goes through `services.directives`, in one transaction with its uploads; a refusal re-shows the
page with the service's words (status 400) and saves nothing. Buttons come from
`WORKFLOW.allowed_for`, so a page never offers a step the service would refuse.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from tongxin.command.forms.directives import ATTACHMENT_ACCEPT, DirectiveForm, issuing_bureaus
from tongxin.command.models import Directive, Urgency
from tongxin.command.queries import directives as queries
from tongxin.command.services import directives as services
from tongxin.core.uploads import open_attachment, store_attachments
from tongxin.core.views_base import ScopedCreateView, ScopedExportView, ScopedView, as_scoped_view

PAGE_SIZE = 25
S = Directive.Status
TABS = {"received": gettext_lazy("收到的"), "sent": gettext_lazy("发出的"), "drafts": gettext_lazy("草稿")}


def _words(exc: ValidationError | PermissionDenied) -> list[str]:
    if isinstance(exc, ValidationError):
        return exc.messages
    return [str(exc) or _("您无权进行此操作")]


def _directive(request: HttpRequest, pk: int) -> Directive:
    """The directive `pk`, if the user may see it; else 404."""
    try:
        return queries.visible_directives(request.user).select_related("forwarded_from", "replaces", "root").get(
            pk=pk)
    except (Directive.DoesNotExist, ValueError, OverflowError):
        raise Http404(_("找不到该记录，或您无权查看")) from None


# --- the list ---------------------------------------------------------------------------------------

@as_scoped_view
def directive_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    may_draft = issuing_bureaus(user).exists()
    tab = request.GET.get("tab") or ""
    if tab not in TABS or (tab != "received" and not may_draft):
        # By default what waits for the user: unsigned copies first, else what they sent.
        waiting = queries.inbox(user, own_only=True).filter(signed_at=None).exists()
        tab = "received" if waiting or not may_draft else "sent"
    urgency = request.GET.get("urgency", "")
    status = request.GET.get("status", "")
    if tab == "received":
        qs: Any = queries.inbox(user, own_only=True)
        if urgency in Urgency.values:
            qs = qs.filter(directive__urgency=urgency)
        if status == "unsigned":
            qs = qs.filter(signed_at=None)
        elif status == "signed":
            qs = qs.exclude(signed_at=None)
    else:
        # The user's own bureaus' directives, and any they drafted for a bureau below.
        own = Q(issuer_id__in=sorted(queries.member_unit_ids(user))) | Q(drafted_by_id=user.pk)
        qs = queries.issued_by(user).filter(own)
        qs = qs.filter(status__in=(S.DRAFT, S.PENDING)) if tab == "drafts" else qs.exclude(
            status__in=(S.DRAFT, S.PENDING))
        if urgency in Urgency.values:
            qs = qs.filter(urgency=urgency)
        if status in S.values:
            qs = qs.filter(status=status)
        elif tab == "sent":
            qs = qs.exclude(status=S.REPLACED)  # the latest version stands for its chain
        qs = qs.order_by("-issued_at", "-created_at", "-id")
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    statuses = ([("unsigned", _("未签收")), ("signed", _("已签收"))] if tab == "received" else
                [(s, services.WORKFLOW.state_label(s)) for s in
                 ((S.DRAFT, S.PENDING) if tab == "drafts" else (S.ISSUED, S.CLOSED, S.REPLACED, S.WITHDRAWN))])
    return render(request, "command/directive_list.html", {
        "tab": tab, "tabs": TABS, "page_obj": page, "urgency": urgency, "status": status,
        "urgencies": Urgency.choices, "statuses": statuses, "may_draft": may_draft, "now": timezone.now()})


# --- drafting and editing ------------------------------------------------------------------------------


def _add_errors(form: DirectiveForm, exc: ValidationError | PermissionDenied) -> list[str]:
    """Put the service's words on the form's fields; the file errors are returned."""
    if isinstance(exc, PermissionDenied):
        form.add_error(None, _words(exc))
        return []
    files: list[str] = []
    for field, errors in exc.message_dict.items():
        if field == "files":
            files.extend(errors)
        else:
            form.add_error(field if field in form.fields else None, errors)
    return files


def _form_page(request: HttpRequest, form: DirectiveForm, *, heading: str, directive: Directive | None = None,
               file_errors: list[str] | None = None, status: int = 200, action: str = "") -> HttpResponse:
    return render(request, "command/directive_form.html", {
        "form": form, "heading": heading, "directive": directive, "accept": ATTACHMENT_ACCEPT,
        "file_errors": file_errors or [], "action": action}, status=status)


@as_scoped_view(methods=("get", "post"), base=ScopedCreateView)
def directive_create(request: HttpRequest) -> HttpResponse:
    if not issuing_bureaus(request.user).exists():
        raise PermissionDenied(_("只有民政部门的业务人员或领导可以拟稿"))
    heading = pgettext("directive action", "拟稿")
    if request.method == "GET":
        return _form_page(request, DirectiveForm(user=request.user), heading=heading)
    form = DirectiveForm(request.POST, user=request.user)
    file_errors: list[str] = []
    if form.is_valid():
        issuer = form.cleaned_data["issuer"]
        try:
            with transaction.atomic():
                files = store_attachments(request.FILES.getlist("files"), uploaded_by=request.user,
                                          unit_id=issuer.pk)
                directive = services.create_draft(request.user, issuer=issuer, attachments=files,
                                                  **form.service_values())
        except (ValidationError, PermissionDenied) as exc:
            file_errors = _add_errors(form, exc)
        else:
            messages.success(request, _("已保存草稿：%(title)s") % {"title": directive.title})
            return redirect("command:directive-detail", pk=directive.pk)
    return _form_page(request, form, heading=heading, file_errors=file_errors, status=400)


class DirectiveView(ScopedView):
    """A page about one directive (`pk`), found among those the user may see."""

    model = Directive

    def directive(self) -> Directive:
        return _directive(self.request, self.kwargs["pk"])


class DirectiveFormView(DirectiveView):
    """A form page for a step on one directive (`step`): a state that does not allow it sends the
    user back to the directive with the words; a role that may not is a 403."""

    http_method_names = ["get", "post"]
    step = ""

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if request.method not in ("GET", "POST"):
            return super().dispatch(request, *args, **kwargs)
        directive = self.directive()
        try:
            services.WORKFLOW.take(request.user, directive, self.step)
        except ValidationError as exc:
            for word in exc.messages:
                messages.error(request, word)
            return redirect("command:directive-detail", pk=directive.pk)
        return super().dispatch(request, *args, **kwargs)


class DirectiveEditView(DirectiveFormView):
    step = "edit"

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        directive = self.directive()
        form = DirectiveForm(user=request.user, directive=directive, initial=DirectiveForm.initial_of(directive))
        return _form_page(request, form, heading=_("修改草稿"), directive=directive)

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        directive = self.directive()
        form = DirectiveForm(request.POST, user=request.user, directive=directive,
                             initial=DirectiveForm.initial_of(directive))
        file_errors: list[str] = []
        if form.is_valid():
            try:
                with transaction.atomic():
                    files = store_attachments(request.FILES.getlist("files"), uploaded_by=request.user,
                                              unit_id=directive.issuer_id)
                    extra: dict[str, Any] = {"attachments": [*directive.attachments.all(), *files]} if files else {}
                    services.update_draft(request.user, directive, **form.service_values(), **extra)
            except (ValidationError, PermissionDenied) as exc:
                file_errors = _add_errors(form, exc)
            else:
                messages.success(request, _("草稿已保存"))
                return redirect("command:directive-detail", pk=directive.pk)
        return _form_page(request, form, heading=_("修改草稿"), directive=directive, file_errors=file_errors,
                          status=400)


class DirectiveReviseView(DirectiveFormView):
    step = "revise"

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        directive = self.directive()
        form = DirectiveForm(user=request.user, directive=directive, revision=True,
                             initial=DirectiveForm.initial_of(directive))
        return _form_page(request, form, heading=_("修订通知"), directive=directive, action="revise")

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        directive = self.directive()
        form = DirectiveForm(request.POST, user=request.user, directive=directive, revision=True,
                             initial=DirectiveForm.initial_of(directive))
        file_errors: list[str] = []
        if form.is_valid():
            try:
                with transaction.atomic():
                    files = store_attachments(request.FILES.getlist("files"), uploaded_by=request.user,
                                              unit_id=directive.issuer_id)
                    extra: dict[str, Any] = {"attachments": [*directive.attachments.all(), *files]} if files else {}
                    new = services.revise(request.user, directive, substantive=form.cleaned_data["substantive"],
                                          **form.service_values(), **extra)
            except (ValidationError, PermissionDenied) as exc:
                file_errors = _add_errors(form, exc)
            else:
                messages.success(request, _("已生成修订稿（第 %(n)s 版），请提交签发") % {"n": new.version})
                return redirect("command:directive-detail", pk=new.pk)
        return _form_page(request, form, heading=_("修订通知"), directive=directive, file_errors=file_errors,
                          status=400, action="revise")


# --- one directive ---------------------------------------------------------------------------------------

def _detail(request: HttpRequest, directive: Directive, *, error: list[str] | None = None, action: str = "",
            status: int = 200) -> HttpResponse:
    workflow = services.WORKFLOW
    versions = queries.versions(directive)
    changes = []
    for older, newer in zip(versions, versions[1:], strict=False):
        changes.append({"version": newer, "changes": queries.diff(older, newer)})
    deliveries = queries.deliveries_of(request.user, directive)
    counts = {"total": deliveries.count(), "signed": deliveries.exclude(signed_at=None).count(),
              "fed_back": deliveries.exclude(fed_back_at=None).count(),
              "will_reach": (queries.recipients(directive).count()
                             if directive.status in (S.DRAFT, S.PENDING) else None)}
    steps = workflow.allowed_for(request.user, directive)
    return render(request, "command/directive_detail.html", {
        "directive": directive, "status_label": workflow.state_label(directive.status),
        "attachments": directive.attachments.order_by("id"), "versions": versions, "changes": changes,
        "actions": steps, "action_names": {t.name for t in steps},
        "action_notes": list(dict.fromkeys(workflow.refusals(request.user, directive).values())),
        "deliveries": deliveries[:200], "counts": counts, "error": error or [], "error_action": action,
        "now": timezone.now(), "levels": queries.LEVELS,
        "is_issuer_side": Directive.objects.restrict(request.user).filter(pk=directive.pk).exists(),
    }, status=status)


class DirectiveDetailView(DirectiveView):
    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        return _detail(request, self.directive())


class DirectiveStepView(DirectiveView):
    """POST one step of the directive's life; a refusal re-shows the page with the words (400)."""

    http_method_names = ["post"]
    step = ""

    def act(self, request: HttpRequest, directive: Directive) -> Directive:
        raise NotImplementedError

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        directive = self.directive()
        try:
            done = self.act(request, directive)
        except (ValidationError, PermissionDenied) as exc:
            code = 403 if isinstance(exc, PermissionDenied) else 400
            return _detail(request, self.directive(), error=_words(exc), action=self.step, status=code)
        messages.success(request, _("已%(step)s：%(title)s") % {"step": services.WORKFLOW.label(self.step),
                                                              "title": done.title})
        return redirect("command:directive-detail", pk=done.pk)


class SubmitView(DirectiveStepView):
    step = "submit"

    def act(self, request: HttpRequest, directive: Directive) -> Directive:
        return services.submit(request.user, directive)


class ApproveView(DirectiveStepView):
    step = "approve"

    def act(self, request: HttpRequest, directive: Directive) -> Directive:
        return services.approve(request.user, directive)


class ReturnView(DirectiveStepView):
    step = "return"

    def act(self, request: HttpRequest, directive: Directive) -> Directive:
        return services.send_back(request.user, directive, reason=request.POST.get("reason", ""))


class WithdrawView(DirectiveStepView):
    step = "withdraw"

    def act(self, request: HttpRequest, directive: Directive) -> Directive:
        return services.withdraw(request.user, directive, reason=request.POST.get("reason", ""))


class CloseView(DirectiveStepView):
    step = "close"

    def act(self, request: HttpRequest, directive: Directive) -> Directive:
        return services.close(request.user, directive)


class AttachmentView(ScopedExportView):
    """A directive's attachment, for whoever sees the directive (the receiving units too)."""

    model = Directive

    def get(self, request: HttpRequest, pk: int, attachment: int) -> FileResponse:
        directive = _directive(request, pk)
        found = directive.attachments.filter(pk=attachment).first()
        if found is None:
            raise Http404(_("找不到该记录，或您无权查看"))
        return open_attachment(found, thumbnail=False)


urlpatterns = [
    path("directives/", directive_list, name="directives"),
    path("directives/new/", directive_create, name="directive-create"),
    path("directives/<int:pk>/", DirectiveDetailView.as_view(), name="directive-detail"),
    path("directives/<int:pk>/edit/", DirectiveEditView.as_view(), name="directive-edit"),
    path("directives/<int:pk>/submit/", SubmitView.as_view(), name="directive-submit"),
    path("directives/<int:pk>/approve/", ApproveView.as_view(), name="directive-approve"),
    path("directives/<int:pk>/return/", ReturnView.as_view(), name="directive-return"),
    path("directives/<int:pk>/revise/", DirectiveReviseView.as_view(), name="directive-revise"),
    path("directives/<int:pk>/withdraw/", WithdrawView.as_view(), name="directive-withdraw"),
    path("directives/<int:pk>/close/", CloseView.as_view(), name="directive-close"),
    path("directives/<int:pk>/files/<int:attachment>/", AttachmentView.as_view(), name="directive-file"),
]
