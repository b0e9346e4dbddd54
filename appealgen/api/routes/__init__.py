"""The API's routers: appeals, tools (classify, check, health) and the upload page."""
