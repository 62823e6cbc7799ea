"""Shared foundations: settings, database, tenancy, auth primitives and errors."""
