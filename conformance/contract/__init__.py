"""What the suite and the reference registry share: the naming rules, the profiles, error bodies, AK/SK
signing, credentials, where the contract files live and the fault-injection header."""
