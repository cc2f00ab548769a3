"""trust layer."""
