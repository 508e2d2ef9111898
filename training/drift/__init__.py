"""Drift: compare a window of production inputs and predictions with the training distribution."""
