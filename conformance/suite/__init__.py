"""The conformance checks, one module per documented status of DELETE .../repos/{repository}.

Run with `swr-conformance run`, or `pytest --pyargs conformance.suite [--swr-endpoint URL]`.
"""
