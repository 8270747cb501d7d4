"""Cobranza: the cartera book, the balance history and recaudo, promises to pay,
reported payments and their receipts (OCR), contacts and the Ley 2300 guard."""
