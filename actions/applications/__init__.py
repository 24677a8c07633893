"""Guided applications (permohonan): the form, its validation, corrections and submission.

Modules: `services` (what each service asks), `fields` (slot -> validator), `corrections`
(reading "ubah tanggal lahir" / "eh salah, NIK-nya ..."), `summary` (masked echoes), `forms`
(the FormValidationAction), `flow` (start, cancel, pause, submit).
"""
