"""mockturk: a local server that speaks the Amazon Mechanical Turk requester API."""

__version__ = "0.1.0"
