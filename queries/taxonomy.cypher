// name: taxonomy
// purpose: Every technology with its direct broader technologies, to walk the taxonomy in memory.
// params: none
// returns: id, broader
MATCH (t:Technology)
RETURN t.id AS id, [(t)-[:BROADER]->(b:Technology) | b.id] AS broader
