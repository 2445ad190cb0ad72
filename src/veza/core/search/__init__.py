"""Full-text search over every registered kind of document (tracks, users, rooms, ...)."""
