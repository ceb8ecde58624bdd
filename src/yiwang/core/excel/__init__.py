"""Excel in and out — the generic machinery (knows no school, bank or person).

* :mod:`.columns` — :class:`Column` specs, cell parsing, :class:`CellError`;
* :mod:`.reading` — :func:`check_upload` (type, size), :func:`read_sheet` (python-calamine, all
  at once: small sheets) and :func:`open_sheet` (an import's sheet: calamine up to 80 MB of XML,
  else :mod:`.streaming`, which reads the sheet's XML row by row in bounded memory);
* :mod:`.report` — :class:`Problem`, :class:`ImportRow`, :class:`ImportReport`;
* :mod:`.importer` — the :class:`Importer` base (check every row in batches keeping only what the
  write needs, then save all or nothing in batches inside one transaction)
  and the registry (:func:`register`, :func:`get_importer`, :func:`importers`);
* :mod:`.writing` — the ONE xlsx writer (:func:`write_rows`, :func:`build_template`,
  :func:`export_workbook`, :func:`xlsx_response`), which writes user text as text.

What knows schools, sharing, permissions and audit lives in ``yiwang.banks``:
``banks.excel.BankImporter`` (the base of every bank's importer), ``banks.services``
(import jobs in the database, run by the ``django.tasks`` worker) and ``banks.imports``
(the template / upload / status pages).

How to add a bank: in ``yiwang/<app>/excel.py`` subclass ``BankImporter``, set ``bank``,
``label``, ``model``, ``columns`` and the hooks (``setup`` once, ``prepare`` per batch of rows,
``check_item``, ``duplicate_key``,
``find_existing``, ``create_objects`` / ``update_objects`` — which call the bank's batch
services — and ``export_values``), and decorate it with ``@excel.register``.
"""

from .columns import NEUTRALISED, SPLIT_MULTI, CellError, Column, cell_text
from .importer import (
    BATCH_SIZE,
    DUPLICATE_CHOICES,
    PROGRESS_EVERY,
    Importer,
    announce_changed,
    autodiscover,
    check_on_duplicate,
    get_importer,
    importers,
    register,
)
from .reading import NOT_XLSX, XLSX_MAGIC, check_upload, clean_header, open_sheet, read_sheet
from .report import ImportReport, ImportRow, Problem
from .writing import (
    XLSX_CONTENT_TYPE,
    build_template,
    export_response,
    export_workbook,
    safe_cell,
    safe_text,
    sheet_title,
    write_rows,
    xlsx_response,
)

__all__ = [
    "BATCH_SIZE",
    "DUPLICATE_CHOICES",
    "NEUTRALISED",
    "NOT_XLSX",
    "PROGRESS_EVERY",
    "SPLIT_MULTI",
    "XLSX_CONTENT_TYPE",
    "XLSX_MAGIC",
    "CellError",
    "Column",
    "ImportReport",
    "ImportRow",
    "Importer",
    "Problem",
    "announce_changed",
    "autodiscover",
    "build_template",
    "cell_text",
    "check_on_duplicate",
    "check_upload",
    "clean_header",
    "export_response",
    "export_workbook",
    "get_importer",
    "importers",
    "open_sheet",
    "read_sheet",
    "register",
    "safe_cell",
    "safe_text",
    "sheet_title",
    "write_rows",
    "xlsx_response",
]
