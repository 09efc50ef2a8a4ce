"""What every door (cli/, web/, the worker, the demo, the chaos suite) shares: connecting to Temporal,
starting a campaign, sending an update and reading a status, links, the schema, logging, health."""
