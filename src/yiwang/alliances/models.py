"""Alliance spaces (meetings, resolutions, news) and support agreements."""
