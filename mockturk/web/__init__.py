"""The site people open in a browser: worker pages (do a HIT as a worker would) and a requester
view (review the work), server-rendered from the same state the API serves."""

SITE = "/site"  # where the pages are: outside the API's "/" and the control plane's "/_mockturk"
