// name: cover-links
// purpose: Every technology an agreement covers, one row per COVERS relationship.
// params: none
// returns: agreement, technology
MATCH (a:Agreement)-[:COVERS]->(t:Technology)
RETURN a.id AS agreement, t.id AS technology
