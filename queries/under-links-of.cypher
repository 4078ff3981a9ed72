// name: under-links-of
// purpose: under-links for the agreements given only (a snapshot patches in an ingest's changes with it).
// params: ids: list
// returns: agreement, parent
MATCH (a:Agreement)-[:UNDER]->(p:Agreement) WHERE a.id IN $ids
RETURN a.id AS agreement, p.id AS parent
