from django.apps import AppConfig


class Config(AppConfig):
    name = "yiwang.sites"
    label = "sites"
    verbose_name = "现场教学基地"

    def ready(self) -> None:
        from yiwang.classes.calendar_sources import register_calendar_source
        from yiwang.exchanges.enums import RequestKind
        from yiwang.exchanges.services import KindHandler, register_kind

        from . import selectors, services

        register_kind(
            RequestKind.SITE_BOOKING,
            KindHandler(
                on_accept=services.on_booking_accepted,
                on_close=services.on_booking_closed,
                on_complete=services.on_booking_completed,
                url=services.booking_url,
            ),
        )
        register_calendar_source(selectors.calendar_bookings)
