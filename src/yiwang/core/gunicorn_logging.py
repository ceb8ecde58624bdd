"""gunicorn's access log without secrets: ``--logger-class yiwang.core.gunicorn_logging.Logger``."""

from gunicorn.glogging import Logger as GunicornLogger

from .log_redaction import redact


class Logger(GunicornLogger):
    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        for key in ("r", "U", "q", "f"):
            if isinstance(atoms.get(key), str):
                atoms[key] = redact(atoms[key])
        for key in list(atoms):
            if key.startswith("{") and isinstance(atoms[key], str):
                atoms[key] = redact(atoms[key])
        return atoms
