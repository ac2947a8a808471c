"""Off-site PostgreSQL backups: pg_dump streamed to S3, GFS retention, verified restores.

The job runs in the app repo's scheduled workflow (see components/backups.py) and by hand from
an operator's shell; both go through `python -m ops backup | restore-drill | restore`.
"""
