"""Views: callback data, keyboards and rendering shared by handlers and scheduled jobs."""
