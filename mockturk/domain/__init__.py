"""The MTurk domain: records, lifecycles, money and the rules between them."""
