"""Duplicate and reuse search at scale: a multi-index hash over PDQ for the global hashes,
local features with geometric verification for what hashes miss, and their upkeep from the
database."""
