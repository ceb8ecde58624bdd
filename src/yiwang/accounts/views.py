from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from yiwang.core.errors import DomainError

from . import rules, services
from .forms import ApiTokenForm, LoginForm, PasswordChangeForm, PlatformRoleForm, UserCreateForm
from .models import User


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
            login(request, result.user, backend="django.contrib.auth.backends.ModelBackend")
            if next_url and url_has_allowed_host_and_scheme(next_url, {request.get_host()}):
                return redirect(next_url)
            return redirect("portal:home")
        error = result.message
    elif request.method == "POST":
        error = "请输入用户名和密码。"
    return render(
        request,
        "accounts/login.html",
        {"form": form, "error": error, "next": next_url},
        status=200 if not error else 400,
    )


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
                from django.contrib.auth import update_session_auth_hash

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
    try:
        services.revoke_api_token(user=request.user, token_id=token_id)
        messages.success(request, "令牌已撤销，使用它的请求将被拒绝。")
    except DomainError as exc:
        messages.error(request, exc.message)
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
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
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
        {"form": form, "users": users[:200], "q": q, "role_form": PlatformRoleForm()},
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


@login_required
@require_POST
def grant_role(request, user_id: int):
    if not rules.can_manage_accounts(request.user):
        raise PermissionDenied
    target = get_object_or_404(User, pk=user_id)
    form = PlatformRoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请选择有效的平台角色。")
    else:
        try:
            services.grant_platform_role(by=request.user, user=target, role=form.cleaned_data["role"])
            messages.success(request, f"已授予 {target} 平台角色。")
        except DomainError as exc:
            messages.error(request, exc.message)
    return redirect("accounts:manage_users")
