"""The state kept in a data dir (``mockturk serve --data-dir``): a SQLite journal of every change
before it is answered, checkpoints, and the restore through the fixture loader.

- :mod:`mockturk.durable.kinds`: the kinds of record kept, one line each (a new kind plugs in
  there), and how every other part of the state is rebuilt or kept.
- :mod:`mockturk.durable.keeper`: the journal's writer, attached to an account, and the restore.
- :mod:`mockturk.durable.data_dir`: the files, the format version, damage and lock checks.
"""
