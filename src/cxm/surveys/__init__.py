"""Surveys: definitions and their versions, responses and answers."""
