"""Guided applications (permohonan): the form, its validation, corrections and submission.

Modules: `services` (one record per service: what it asks, in which order, what the bot says),
`fields` (one record per question: label, validator, how it is shown back), `corrections`
(reading "ubah tanggal lahir" / "eh salah, NIK-nya ..."), `summary` (masked echoes), `forms`
(the FormValidationAction), `flow` (start, cancel, pause, submit).
"""
