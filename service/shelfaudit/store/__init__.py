"""Where things are kept: originals in object storage, rows in the database."""
