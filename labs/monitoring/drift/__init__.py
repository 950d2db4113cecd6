"""Cohort Lab drift job: compare a model's training reference with current Feast data.

`python -m drift --config <file>`; see labs/monitoring/README.md.
"""
