"""Bookings ONE: an office's buildings, rooms and desks, visitor badges and figures."""
