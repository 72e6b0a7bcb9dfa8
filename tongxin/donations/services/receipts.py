"""Receipts (捐赠票据): the number per organisation and year, the lookup code, the PDF.

(The donations part fills this in.)

- issue(donation) -> None   sets receipt_number and lookup_code (called by receiving, locked counter)
- receipt_pdf(donation) -> bytes
"""
