"""现场教学基地: field sites and their bookings."""
