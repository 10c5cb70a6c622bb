"""BCF metrics: areas, metric catalogue, observations and uploads."""
