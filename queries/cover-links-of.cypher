// name: cover-links-of
// purpose: cover-links for the agreements given only (a snapshot patches in an ingest's changes with it).
// params: ids: list
// returns: agreement, technology
MATCH (a:Agreement)-[:COVERS]->(t:Technology) WHERE a.id IN $ids
RETURN a.id AS agreement, t.id AS technology
