from django import forms


class LoginForm(forms.Form):
    username = forms.CharField(
        label="用户名",
        max_length=64,
        widget=forms.TextInput(attrs={"autocomplete": "username", "autofocus": True}),
    )
    password = forms.CharField(
        label="密码", max_length=128, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )


class PasswordChangeForm(forms.Form):
    old_password = forms.CharField(label="原密码", widget=forms.PasswordInput)
    new_password = forms.CharField(label="新密码", widget=forms.PasswordInput)
    new_password_again = forms.CharField(label="再次输入新密码", widget=forms.PasswordInput)

    def clean(self):
        data = super().clean()
        if data.get("new_password") != data.get("new_password_again"):
            raise forms.ValidationError("两次输入的新密码不一致。")
        return data


class ApiTokenForm(forms.Form):
    name = forms.CharField(label="令牌名称", max_length=60)


class UserCreateForm(forms.Form):
    username = forms.CharField(label="用户名", max_length=64)
    full_name = forms.CharField(label="姓名", max_length=64)
    email = forms.EmailField(label="电子邮箱", required=False)
    password = forms.CharField(label="初始密码", widget=forms.PasswordInput)


class SecondFactorForm(forms.Form):
    code = forms.CharField(
        label="验证码",
        max_length=16,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "autofocus": True,
                "id": "id_code",
            }
        ),
        help_text="身份验证器上的 6 位数字，或一个恢复码。",
    )
