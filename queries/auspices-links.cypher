// name: auspices-links
// purpose: Every forum an agreement works under the auspices of, one row per UNDER_AUSPICES_OF relationship.
// params: none
// returns: agreement, forum
MATCH (a:Agreement)-[:UNDER_AUSPICES_OF]->(f:Forum)
RETURN a.id AS agreement, f.id AS forum
