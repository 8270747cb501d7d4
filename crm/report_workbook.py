"""Moved to :mod:`crm.reports.workbook`; this name stays for modules not yet updated."""

from crm.reports.workbook import *  # noqa: F403
from crm.reports.workbook import COLUMNS, LABELS, text_cell  # noqa: F401
