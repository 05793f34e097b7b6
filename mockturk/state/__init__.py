"""The account's mutable state: tables, their sorted views, the timeline, and the commit path."""
