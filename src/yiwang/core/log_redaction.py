"""Secrets in URLs never reach a log: iCal feed keys are cut out of logged paths.

``RedactSecretsFilter`` sits on the console log handler (settings.LOGGING), so
Django's "Not Found: /classes/ical/<key>.ics" warnings and the development
server's request lines lose the key; ``yiwang.core.gunicorn_logging`` does the
same for gunicorn's access log.
"""

import logging
import re

SECRET_IN_PATH = re.compile(r"(/ical/)[^/?#\s\"]+(\.ics)")
REDACTED = "[已隐藏]"


def redact(text: str) -> str:
    return SECRET_IN_PATH.sub(rf"\1{REDACTED}\2", text)


class RedactSecretsFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg = cleaned
            record.args = ()
        request = getattr(record, "request", None)
        if request is not None and SECRET_IN_PATH.search(getattr(request, "path", "")):
            record.request = None  # the formatter must not print the raw path either
        return True
