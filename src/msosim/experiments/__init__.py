"""Experiments around the model: batches, sweeps, calibration, sensitivity, validation, the results store, the EMA adapter."""
