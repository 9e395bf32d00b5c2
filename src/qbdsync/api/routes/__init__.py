"""The REST API's routers, one module per area of Codat's API."""
