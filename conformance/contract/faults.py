"""The fault-injection hook a target may offer: a request carrying this header answers 500 (with
error information) and changes nothing. The reference registry honours it with `--faults`."""

FAULT_HEADER = "X-Swr-Conformance-Fault"
