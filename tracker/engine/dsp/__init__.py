"""Signal processing: filters, orientation and the detectors, all headless."""
