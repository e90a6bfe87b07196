"""portal holds no models: it wires the apps (settings, URLs, middleware).
Its past models moved to home (HomePage) and core (RateCounter)."""
