// name: taxonomy
// purpose: Every technology with its name, priority, provenance and direct broader technologies, to walk the taxonomy in memory.
// params: none
// returns: id, name, priority, source, run_id, broader
MATCH (t:Technology)
RETURN t.id AS id, t.name AS name, t.priority AS priority, t.source AS source, t.run_id AS run_id,
       [(t)-[:BROADER]->(b:Technology) | b.id] AS broader
