"""Complaints: service-level agreements on business-hours calendars, and the analytics of
complaint volume, hot spots, handling times and operational metrics."""
