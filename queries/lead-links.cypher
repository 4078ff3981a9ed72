// name: lead-links
// purpose: Every component that leads an agreement, one row per LEADS relationship.
// params: none
// returns: agreement, component
MATCH (c:Component)-[:LEADS]->(a:Agreement)
RETURN a.id AS agreement, c.id AS component
