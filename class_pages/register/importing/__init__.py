"""Importing the pupil register from the CSV a school's MIS exports: `parsing` (bytes,
encodings, header names), `checks` (one row's values), `plan` (matching pupils and the
preview), `apply` (one transaction), `pending` (the file kept between preview and apply),
`views` (the office's admin screen). `manage.py import_register` uses the same plan."""
