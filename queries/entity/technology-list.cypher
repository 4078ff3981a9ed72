// name: technology-list
// purpose: Every technology with its scheme, priority and broader technologies (all of them: the taxonomy is a DAG), for the technologies list, search and taxonomy pictures.
// params: none
// returns: id, name, scheme, priority, broader
MATCH (t:Technology)
RETURN t.id AS id, t.name AS name, t.scheme AS scheme, t.priority AS priority,
       [(t)-[:BROADER]->(b:Technology) | b.id] AS broader
ORDER BY id
