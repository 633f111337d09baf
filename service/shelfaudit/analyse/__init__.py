"""Pure analysis of one photo: decode, quality, EXIF facts, hashes, duplicate matching.

Nothing here touches the database, the object store or HTTP; callers pass bytes and the
hashes of earlier photos in, and get typed results out.
"""
