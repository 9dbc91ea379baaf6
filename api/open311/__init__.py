"""Open311 GeoReport v2 at /open311/v2/: the standard door for other systems to file and read."""
