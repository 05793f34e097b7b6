"""What a server trusts: which requests reach it, how big and how slow they may be, who signed
them, and the failures a test asks it to feign."""

from mockturk.trust.settings import TrustSettings

__all__ = ["TrustSettings"]
