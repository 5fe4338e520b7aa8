"""The MED document as files (DOCX for the MED secretary to edit, PDF to print) and the doors it
leaves by: the leader's download link, HR's CLI and admin API (export.py holds what they share).
"""
