"""Text analytics: language, sentiment, emotions (and themes) of what customers write."""
