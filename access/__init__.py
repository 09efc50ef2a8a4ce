"""Who may act: personal unit links (signed, expiring, revocable)."""
