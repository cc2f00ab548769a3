"""station layer."""
