"""Work items: orders and business requests, claims, timeouts, progress and ratings."""
