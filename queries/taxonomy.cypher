// name: taxonomy
// purpose: Every technology with its name, provenance and direct broader technologies, to walk the taxonomy in memory.
// params: none
// returns: id, name, source, run_id, broader
MATCH (t:Technology)
RETURN t.id AS id, t.name AS name, t.source AS source, t.run_id AS run_id,
       [(t)-[:BROADER]->(b:Technology) | b.id] AS broader
