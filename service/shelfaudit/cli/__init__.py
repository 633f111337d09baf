"""The ``shelfaudit`` command line."""
