"""The means of anonymity: the secret, participation hashes, sealed staging and random row keys."""

__all__ = ["participation", "random_keys", "seal", "secrets"]
