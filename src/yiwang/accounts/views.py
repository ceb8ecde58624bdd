import base64

import segno
from django.contrib import messages
from django.contrib.auth import login, logout, update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from yiwang.core.errors import DomainError
from yiwang.core.views_support import form_error, perform

from . import rules, services
from .forms import ApiTokenForm, LoginForm, PasswordChangeForm, SecondFactorForm, UserCreateForm
from .models import User

PENDING_KEY = "_yw_pending_second_factor"


def _finish_login(request, user, next_url):
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    if next_url and url_has_allowed_host_and_scheme(next_url, {request.get_host()}):
        return redirect(next_url)
    return redirect("portal:home")


def login_view(request):
    if request.user.is_authenticated:
        return redirect("portal:home")
    form = LoginForm(request.POST or None)
    error = ""
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if request.method == "POST" and form.is_valid():
        result = services.sign_in(
            username=form.cleaned_data["username"], password=form.cleaned_data["password"]
        )
        if result.user is not None:
            return _finish_login(request, result.user, next_url)
        if result.pending is not None:
            request.session.cycle_key()
            request.session[PENDING_KEY] = {"user": result.pending.pk, "next": next_url}
            return redirect("accounts:second_factor")
        error = result.message
    elif request.method == "POST":
        error = "请输入用户名和密码。"
    return render(
        request,
        "accounts/login.html",
        {"form": form, "error": error, "next": next_url},
        status=200 if not error else 400,
    )


def _pending_user(request):
    pending = request.session.get(PENDING_KEY)
    if not pending:
        return None, ""
    return User.objects.filter(pk=pending.get("user"), is_active=True).first(), pending.get("next", "")


def second_factor(request):
    """Step two of signing in: a code from the authenticator (or a recovery code).

    Someone who must use a second factor and has none sets one up here first.
    """
    user, next_url = _pending_user(request)
    if user is None:
        return redirect("accounts:login")
    if not services.has_second_factor(user):
        return _enrol(request, user, next_url)
    form = SecondFactorForm(request.POST or None)
    error = ""
    if request.method == "POST":
        code = form.data.get("code", "")
        result = services.verify_second_factor(user=user, code=code)
        if result.user is not None:
            del request.session[PENDING_KEY]
            return _finish_login(request, result.user, next_url)
        error = result.message
    return render(
        request,
        "accounts/second_factor.html",
        {"form": form, "error": error, "person": user},
        status=400 if error else 200,
    )


def _qr_svg(url: str) -> str:
    return segno.make(url, error="m").svg_data_uri(scale=4)


def _enrol(request, user, next_url, *, signed_in: bool = False):
    device = services.start_totp_enrolment(user)
    form = SecondFactorForm(request.POST or None)
    error = ""
    if request.method == "POST":
        try:
            codes = services.confirm_totp_enrolment(
                user=user, code=form.data.get("code", ""), completes_sign_in=not signed_in
            )
        except DomainError as exc:
            error = exc.message
        else:
            if not signed_in:
                del request.session[PENDING_KEY]
                login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            return render(request, "accounts/recovery_codes.html", {"codes": codes, "next": next_url or "/"})
    return render(
        request,
        "accounts/enrol_second_factor.html",
        {
            "form": form,
            "error": error,
            "person": user,
            "qr": _qr_svg(services.totp_config_url(device)),
            "secret": base64.b32encode(device.bin_key).decode(),
            "required": services.second_factor_required(user),
        },
        status=400 if error else 200,
    )


@login_required
def enrol_second_factor(request):
    """Optional set-up (or renewal) of a second factor from the profile."""
    return _enrol(request, request.user, "", signed_in=True)


@login_required
@require_POST
def remove_second_factor(request):
    perform(request, lambda: services.remove_second_factor(user=request.user), "已关闭两步验证。")
    return redirect("accounts:profile")


@require_POST
def logout_view(request):
    logout(request)
    messages.success(request, "您已安全退出。")
    return redirect("accounts:login")


@login_required
def profile(request):
    password_form = PasswordChangeForm(prefix="pw")
    token_form = ApiTokenForm(prefix="tk")
    new_key = None
    if request.method == "POST" and "pw-old_password" in request.POST:
        password_form = PasswordChangeForm(request.POST, prefix="pw")
        if password_form.is_valid():
            try:
                services.change_password(
                    user=request.user,
                    old_password=password_form.cleaned_data["old_password"],
                    new_password=password_form.cleaned_data["new_password"],
                )
            except DomainError as exc:
                password_form.add_error(None, exc.message)
            else:
                update_session_auth_hash(request, request.user)
                messages.success(request, "密码已修改。")
                return redirect("accounts:profile")
    elif request.method == "POST" and "tk-name" in request.POST:
        token_form = ApiTokenForm(request.POST, prefix="tk")
        if token_form.is_valid():
            try:
                _, new_key = services.create_api_token(
                    user=request.user, name=token_form.cleaned_data["name"]
                )
            except DomainError as exc:
                token_form.add_error("name", exc.message)
            else:
                token_form = ApiTokenForm(prefix="tk")
    tokens = request.user.api_tokens.all()
    memberships = request.user.memberships.filter(is_active=True).select_related("school")
    return render(
        request,
        "accounts/profile.html",
        {
            "password_form": password_form,
            "token_form": token_form,
            "tokens": tokens,
            "new_key": new_key,
            "memberships": memberships,
        },
    )


@login_required
@require_POST
def revoke_token(request, token_id: int):
    perform(
        request,
        lambda: services.revoke_api_token(user=request.user, token_id=token_id),
        "令牌已撤销，使用它的请求将被拒绝。",
    )
    return redirect("accounts:profile")


@login_required
def manage_users(request):
    if not rules.can_manage_accounts(request.user):
        raise PermissionDenied
    form = UserCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.create_user(by=request.user, **form.cleaned_data)
        except DomainError as exc:
            form_error(form, exc)
        else:
            messages.success(request, f"已创建账号 {user.username}。")
            return redirect("accounts:manage_users")
    q = request.GET.get("q", "").strip()
    users = User.objects.select_related("platform_role_grant").order_by("username")
    if q:
        users = users.filter(username__icontains=q) | users.filter(full_name__icontains=q)
    return render(
        request,
        "accounts/manage_users.html",
        {"form": form, "users": users[:200], "q": q},
    )


@login_required
@require_POST
def unlock(request, user_id: int):
    if not rules.can_manage_accounts(request.user):
        raise PermissionDenied
    target = get_object_or_404(User, pk=user_id)
    services.unlock_user(by=request.user, user=target)
    messages.success(request, f"已解锁 {target}。")
    return redirect("accounts:manage_users")
