"""swr-conformance: a conformance suite for the SWR "delete image repository" API (swr_02_0031)."""

__version__ = "0.1.0"
