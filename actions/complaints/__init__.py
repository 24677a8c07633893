"""Complaints (pengaduan): form validation, submission, status look-ups and the category classifier.

rasa_sdk imports every sub-module of the `actions` package and registers the actions it finds.
"""
