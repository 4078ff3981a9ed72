// name: lead-links-of
// purpose: lead-links for the agreements given only (a snapshot patches in an ingest's changes with it).
// params: ids: list
// returns: agreement, component
MATCH (c:Component)-[:LEADS]->(a:Agreement) WHERE a.id IN $ids
RETURN a.id AS agreement, c.id AS component
