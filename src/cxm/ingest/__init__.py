"""Customers and identities, events, orders and shipments, and bulk import."""
