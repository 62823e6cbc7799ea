"""Analytics: the analytics store, its sync from the store, and the analyses over it."""
