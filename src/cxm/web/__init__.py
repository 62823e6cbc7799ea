"""The web app: API, pages for people, public pages for customers, static assets."""
