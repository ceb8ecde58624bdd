"""Password policy: minimum length and character classes, both configurable."""

import string

from django.conf import settings
from django.core.exceptions import ValidationError


class LengthValidator:
    def __init__(self, min_length: int | None = None):
        self.min_length = min_length

    def _min(self) -> int:
        return self.min_length or settings.PASSWORD_MIN_LENGTH

    def validate(self, password, user=None):
        if len(password) < self._min():
            raise ValidationError(f"密码至少需要 {self._min()} 个字符。", code="password_too_short")

    def get_help_text(self):
        return f"密码至少 {self._min()} 个字符。"


def character_classes(password: str) -> int:
    classes = [
        any(c in string.ascii_lowercase for c in password),
        any(c in string.ascii_uppercase for c in password),
        any(c in string.digits for c in password),
        any(not c.isalnum() for c in password),
    ]
    return sum(classes)


class CharacterClassValidator:
    def __init__(self, min_classes: int | None = None):
        self.min_classes = min_classes

    def _min(self) -> int:
        return self.min_classes or settings.PASSWORD_MIN_CHARACTER_CLASSES

    def validate(self, password, user=None):
        if character_classes(password) < self._min():
            raise ValidationError(
                f"密码需包含小写字母、大写字母、数字、符号中的至少 {self._min()} 类。",
                code="password_too_simple",
            )

    def get_help_text(self):
        return f"需包含小写字母、大写字母、数字、符号中的至少 {self._min()} 类。"
