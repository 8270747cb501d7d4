"""ERP import (`crm-bot import`) and `crm-bot demo-data`: row problems, file errors, summaries.

A row problem is printed as ``FILE:ROW: column: <text>``.
"""

ES = {
    "import.problem.required": "falta el valor (es obligatorio)",
    "import.problem.missing_column": "falta la columna (es obligatoria)",
    "import.problem.duplicate_column": "la columna aparece dos veces",
    "import.problem.bad_date": "«{value}» no es una fecha: usa AAAA-MM-DD o DD/MM/AAAA [HH:MM]",
    "import.problem.impossible_date": "la fecha «{value}» no existe",
    "import.problem.impossible_time": "la hora de «{value}» no existe",
    "import.problem.bad_amount": "«{value}» no es un valor: usa 1234567.89 o $ 1.234.567,89",
    "import.problem.amount_decimals": (
        "«{value}» tiene más de 2 decimales; si el punto separa miles escribe $ 1.234 o 1234"
    ),
    "import.problem.amount_too_large": "el valor «{value}» es demasiado grande",
    "import.problem.bad_nit": "NIT no válido «{value}»: números, opcionalmente con -DV",
    "import.problem.bad_email": "correo no válido «{value}»",
    "import.problem.too_long": "texto demasiado largo ({length} caracteres, máximo {limit})",
    "import.problem.unknown_user": "no existe un usuario con el código «{value}»",
    "import.problem.inactive_user": "el usuario «{value}» está desactivado",
    "import.problem.unknown_nit": (
        "no existe un tercero con NIT «{value}» (importa primero los terceros)"
    ),
    "import.problem.ambiguous_nit": "varios terceros tienen el NIT «{value}»; escribe el -DV",
    "import.problem.bad_doc_type": "tipo de documento no válido «{value}» (ej. FV, RC, NC, ND)",
    "import.problem.bad_document_ref": "escribe el documento como TIPO-NUMERO (ej. FV-1001), "
    "no «{value}»",
    "import.problem.unknown_document": "el tercero {nit} no tiene el documento «{value}»",
    "import.problem.no_owner": (
        "vacío y el tercero {nit} no tiene encargado: escribe el código del responsable"
    ),
    "import.file.not_found": "{file}: el archivo no existe",
    "import.file.bad_type": "{file}: no sé leer archivos «{suffix}»; usa .xlsx o .csv",
    "import.file.bad_xlsx": "{file}: no es un libro .xlsx válido ({reason})",
    "import.file.not_utf8": (
        "{file}:{row}: el archivo no está en UTF-8; en Excel guárdalo como «CSV UTF-8»"
    ),
    "import.file.bad_csv": "{file}:{row}: CSV mal formado ({reason})",
    "import.file.empty": "{file}: el archivo está vacío; la fila 1 debe tener los encabezados",
    "import.file.bad_kind": "no sé importar «{kind}»; usa uno de: {kinds}",
    "import.file.unreadable": "{file}: no pude leer el archivo",
    "import.summary": (
        "{kind}: {rows} {rows:plural:one=fila leída|other=filas leídas}; {inserted} "
        "{inserted:plural:one=nueva|other=nuevas}, {updated} "
        "{updated:plural:one=actualizada|other=actualizadas}, {unchanged} sin cambios"
    ),
    "import.summary_skipped": (
        "{bad} {bad:plural:one=fila con errores se omitió (listada|other=filas con errores se "
        "omitieron (listadas} arriba)"
    ),
    "import.created_types": "tipos de seguimiento creados: {names}",
    "import.ignored_columns": "columnas ignoradas: {names}",
    "import.failed": (
        "{bad} {bad:plural:one=fila con errores|other=filas con errores} en {file}; no se "
        "importó nada. {bad:plural:one=Corrígela|other=Corrígelas}, o usa "
        "--skip-invalid para importar solo las filas buenas."
    ),
    "import.progress": "{kind}: {done} {done:plural:one=fila|other=filas}",
    "demo.refused": (
        "la base de datos ya tiene {terceros} terceros; demo-data solo llena una base vacía. "
        "Usa otra con CRM_DATABASE_URL (p. ej. sqlite+aiosqlite:///./demo.db)."
    ),
    "demo.done": (
        "datos de ejemplo listos: {terceros} terceros, {documents} documentos, "
        "{followups} seguimientos, {users} usuarios"
    ),
}

EN = {
    "import.problem.required": "missing required value",
    "import.problem.missing_column": "missing required column",
    "import.problem.duplicate_column": "the column appears twice",
    "import.problem.bad_date": "'{value}' is not a date: use YYYY-MM-DD or DD/MM/YYYY [HH:MM]",
    "import.problem.impossible_date": "impossible date '{value}'",
    "import.problem.impossible_time": "impossible time in '{value}'",
    "import.problem.bad_amount": "'{value}' is not an amount: use 1234567.89 or $ 1.234.567,89",
    "import.problem.amount_decimals": (
        "'{value}' has more than 2 decimals; if the dot groups thousands write $ 1.234 or 1234"
    ),
    "import.problem.amount_too_large": "the amount '{value}' is too large",
    "import.problem.bad_nit": "bad NIT '{value}': digits, optionally with -DV",
    "import.problem.bad_email": "bad email '{value}'",
    "import.problem.too_long": "text too long ({length} characters, at most {limit})",
    "import.problem.unknown_user": "unknown user code '{value}'",
    "import.problem.inactive_user": "user '{value}' is deactivated",
    "import.problem.unknown_nit": "unknown nit '{value}' (import the terceros first)",
    "import.problem.ambiguous_nit": "several terceros have NIT '{value}'; add the -DV",
    "import.problem.bad_doc_type": "bad document type '{value}' (e.g. FV, RC, NC, ND)",
    "import.problem.bad_document_ref": "write the document as TYPE-NUMBER (e.g. FV-1001), "
    "not '{value}'",
    "import.problem.unknown_document": "tercero {nit} has no document '{value}'",
    "import.problem.no_owner": (
        "empty and tercero {nit} has no encargado: write the code of the responsible user"
    ),
    "import.file.not_found": "{file}: no such file",
    "import.file.bad_type": "{file}: cannot read '{suffix}' files; use .xlsx or .csv",
    "import.file.bad_xlsx": "{file}: not a valid .xlsx workbook ({reason})",
    "import.file.not_utf8": "{file}:{row}: the file is not UTF-8; in Excel save it as CSV UTF-8",
    "import.file.bad_csv": "{file}:{row}: malformed CSV ({reason})",
    "import.file.empty": "{file}: the file is empty; row 1 must hold the headers",
    "import.file.bad_kind": "cannot import '{kind}'; use one of: {kinds}",
    "import.file.unreadable": "{file}: cannot read the file",
    "import.summary": (
        "{kind}: {rows} {rows:plural:one=row|other=rows} read; {inserted} new, {updated} "
        "updated, {unchanged} unchanged"
    ),
    "import.summary_skipped": (
        "{bad} bad {bad:plural:one=row was|other=rows were} skipped (listed above)"
    ),
    "import.created_types": "follow-up types created: {names}",
    "import.ignored_columns": "ignored columns: {names}",
    "import.failed": (
        "{bad} bad {bad:plural:one=row|other=rows} in {file}; nothing was imported. Fix "
        "{bad:plural:one=it|other=them}, "
        "or use --skip-invalid to "
        "import only the good rows."
    ),
    "import.progress": "{kind}: {done} {done:plural:one=row|other=rows}",
    "demo.refused": (
        "the database already has {terceros} terceros; demo-data only fills an empty database. "
        "Point CRM_DATABASE_URL at another one (e.g. sqlite+aiosqlite:///./demo.db)."
    ),
    "demo.done": (
        "sample data ready: {terceros} terceros, {documents} documents, {followups} follow-ups, "
        "{users} users"
    ),
}
