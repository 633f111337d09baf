"""Evaluation of models and checks: typed results, one module per task."""
