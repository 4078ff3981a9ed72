// name: party-values-of
// purpose: party-values for the agreements given only (a snapshot patches in an ingest's changes with it).
// params: ids: list
// returns: agreement, nation, contribution_value, benefit_value
MATCH (n:Nation)-[r:PARTY_TO]->(a:Agreement) WHERE a.id IN $ids
RETURN a.id AS agreement, n.code AS nation,
       r.contribution_value AS contribution_value, r.benefit_value AS benefit_value
