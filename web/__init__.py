"""The doors people use in a browser: the unit portal (personal links) and its JSON API."""
