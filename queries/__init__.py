"""Named analyses: one .cypher file per query, loaded and run with parameters only."""
