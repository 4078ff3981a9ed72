// name: party-links-of
// purpose: party-links for the agreements given only (a snapshot patches in an ingest's changes with it).
// params: ids: list
// returns: agreement, nation
MATCH (n:Nation)-[:PARTY_TO]->(a:Agreement) WHERE a.id IN $ids
RETURN a.id AS agreement, n.code AS nation
