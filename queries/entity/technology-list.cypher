// name: technology-list
// purpose: Every technology with its scheme, priority and broader technology, for the technologies list and search.
// params: none
// returns: id, name, scheme, priority, broader
MATCH (t:Technology)
RETURN t.id AS id, t.name AS name, t.scheme AS scheme, t.priority AS priority,
       head([(t)-[:BROADER]->(b:Technology) | b.id]) AS broader
ORDER BY id
