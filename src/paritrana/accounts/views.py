"""User pages: national system administrators list users, create one with a role, add and remove roles, reset a
password and deactivate; every user changes their own password."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import get_user_model, update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.forms import Form
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from paritrana.accounts.actions import (
    do_assign_role,
    do_change_password,
    do_create_user,
    do_remove_role,
    do_reset_password,
    do_set_active,
)
from paritrana.accounts.forms import PasswordChangeForm, RoleForm, UserCreateForm
from paritrana.accounts.models import PasswordReset, RoleAssignment
from paritrana.core.errors import N_, NotFound, ParitranaError
from paritrana.core.permissions import require_national
from paritrana.core.views import confirm_first
from paritrana.regions.queries import normalize_code


def _user_or_404(pk: int) -> Any:
    user = get_user_model().objects.filter(pk=pk).first()
    if user is None:
        raise NotFound(N_("There is no user {id}."), id=pk)
    return user


def _region(form: Form) -> str:
    """The region code of the form, "" (all of Indonesia) only when the national box was ticked (the form refuses
    an empty region otherwise)."""
    if form.cleaned_data.get("national"):
        return ""
    return normalize_code(form.cleaned_data["region_code"].strip())


def _attach(form: Form, exc: ParitranaError) -> None:
    field = exc.details.get("field")
    form.add_error(field if field in form.fields else None, exc.render_message(_))


@login_required
def user_list(request: HttpRequest) -> HttpResponse:
    require_national(request.user, "users.manage")
    users = get_user_model().objects.prefetch_related("roles").order_by("username")
    return render(request, "accounts/user_list.html", {"users": users})


@login_required
@require_http_methods(["GET", "POST"])
def user_new(request: HttpRequest) -> HttpResponse:
    require_national(request.user, "users.manage")
    form = UserCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = do_create_user(  # the region is normalised inside the try: a malformed code is a form error
                username=form.cleaned_data["username"],
                password=form.cleaned_data["password"],
                full_name=form.cleaned_data["full_name"],
                roles=[(form.cleaned_data["role"], _region(form))],
                actor=request.user,
            )
        except ParitranaError as exc:
            _attach(form, exc)
        else:
            messages.success(request, _("Created %(name)s.") % {"name": user.username})
            return redirect("accounts:detail", pk=user.pk)
    return render(request, "accounts/user_new.html", {"form": form}, status=422 if form.errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def user_detail(request: HttpRequest, pk: int) -> HttpResponse:
    require_national(request.user, "users.manage")
    user = _user_or_404(pk)
    form = RoleForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            assignment = do_assign_role(
                user=user, role=form.cleaned_data["role"], region_code=_region(form), actor=request.user
            )
        except ParitranaError as exc:
            _attach(form, exc)
        else:
            messages.success(
                request,
                _("%(name)s is now %(role)s in %(region)s.")
                % {"name": user.username, "role": assignment.get_role_display(), "region": _scope_label(assignment)},
            )
            return redirect("accounts:detail", pk=user.pk)
    return _detail(request, user, form)


def _detail(request: HttpRequest, user: Any, form: Form, **extra: Any) -> HttpResponse:
    context = {
        "subject": user,
        "roles": user.roles.all(),
        "form": form,
        "reset": PasswordReset.objects.filter(user=user).first(),
        **extra,
    }
    return render(request, "accounts/user_detail.html", context, status=422 if form.errors else 200)


@login_required
@require_POST
def role_remove(request: HttpRequest, pk: int, role_pk: int) -> HttpResponse:
    require_national(request.user, "users.manage")
    assignment = RoleAssignment.objects.filter(pk=role_pk, user_id=pk).first()
    if assignment is None:  # a double submit, or a colleague removed it first: nothing left to do
        _user_or_404(pk)
        messages.info(request, _("That role was already removed."))
        return redirect("accounts:detail", pk=pk)
    do_remove_role(assignment=assignment, actor=request.user)
    messages.success(
        request,
        _("%(name)s is no longer %(role)s in %(region)s.")
        % {"name": assignment.user.username, "role": assignment.get_role_display(), "region": _scope_label(assignment)},
    )
    return redirect("accounts:detail", pk=pk)


def _scope_label(assignment: RoleAssignment) -> str:
    return assignment.region_code or _("all of Indonesia")


@login_required
@require_POST
def user_active(request: HttpRequest, pk: int) -> HttpResponse:
    require_national(request.user, "users.manage")
    user = _user_or_404(pk)
    done = do_set_active(user=user, active=request.POST.get("active") == "1", actor=request.user)
    if done.is_active:
        messages.success(request, _("%(name)s can log in again.") % {"name": done.username})
    else:
        messages.success(request, _("%(name)s is deactivated and can no longer log in.") % {"name": done.username})
    return redirect("accounts:detail", pk=pk)


@login_required
@require_POST
def password_reset(request: HttpRequest, pk: int) -> HttpResponse:
    """Give the user a temporary password, shown once on this answer (never stored, never put in a message that
    would travel in the session); the user chooses their own at the next login."""
    require_national(request.user, "users.manage")
    user = _user_or_404(pk)
    page = confirm_first(
        request,
        title=_("Reset the password of %(name)s?") % {"name": user.username},
        consequences=[
            _("The current password stops working at once and the user's sessions end."),
            _("A temporary password is shown once; the user chooses their own at the next login."),
        ],
        verb=_("reset the password"),
        back=reverse("accounts:detail", args=[user.pk]),
        check=lambda: do_reset_password(user=user, actor=request.user),
    )
    if page is not None:
        return page
    temporary = do_reset_password(user=user, actor=request.user)
    messages.success(request, _("The password of %(name)s is reset.") % {"name": user.username})
    response = _detail(request, user, RoleForm(), temporary=temporary)
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_http_methods(["GET", "POST"])
def password_change(request: HttpRequest) -> HttpResponse:
    """Every user changes their own password: the current one, then the new one twice."""
    form = PasswordChangeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            do_change_password(
                user=request.user,
                old_password=form.cleaned_data["old_password"],
                new_password=form.cleaned_data["new_password"],
                actor=request.user,
            )
        except ParitranaError as exc:
            _attach(form, exc)
        else:
            update_session_auth_hash(request, request.user)  # type: ignore[arg-type]  # logged in: a User; others end
            request.session.pop("password_must_change", None)
            messages.success(request, _("Your password has been changed."))
            return redirect("web:home")
    context = {"form": form, "temporary": bool(request.session.get("password_must_change"))}
    return render(request, "accounts/password_change.html", context, status=422 if form.errors else 200)
