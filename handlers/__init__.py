"""Handlers: one router per feature (``create_router()`` in each module). Their dispatch order and
the rest of each feature's wiring (jobs, state) are in the feature registry, bot/features.py."""
