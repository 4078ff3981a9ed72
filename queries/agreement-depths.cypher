// name: agreement-depths
// purpose: Active agreements with their parties, technologies and depth (1..5), to measure current engagement.
// params: as_of: date = today
// returns: id, parties, technologies, depth
MATCH (a:Agreement)
WHERE coalesce(a.status, 'active') = 'active'
  AND (a.start IS NULL OR a.start <= $as_of)
  AND (a.end IS NULL OR a.end >= $as_of)
RETURN a.id AS id,
       [(a)<-[:PARTY_TO]-(n:Nation) | n.code] AS parties,
       [(a)-[:COVERS]->(t:Technology) | t.id] AS technologies,
       a.depth AS depth
