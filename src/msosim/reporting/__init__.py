"""Reports: figures and HTML pages for comparisons, sweeps, validation and calibration; findings sentences, costs, decompositions and lever tables."""
