"""The REST API, the API-key check and the upload page; `create_app` is in app.py."""
