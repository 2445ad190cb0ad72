"""Analytics: events recorded with domain changes, idempotent rollups, dashboard queries."""
