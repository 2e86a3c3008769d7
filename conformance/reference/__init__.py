"""The embedded SWR reference registry: the suite's default target and its own test double."""
