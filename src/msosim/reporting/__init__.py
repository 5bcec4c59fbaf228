"""Reports: figures and HTML pages for comparisons, sweeps, validation and calibration."""
