// name: under-links
// purpose: Every agreement made under another (its framework), one row per UNDER relationship.
// params: none
// returns: agreement, parent
MATCH (a:Agreement)-[:UNDER]->(p:Agreement)
RETURN a.id AS agreement, p.id AS parent
