"""Reports: the dashboard as a PDF for a period, with charts drawn on the server."""
