// name: agreement-links
// purpose: Active agreements with their parties, technologies, lead components and depth (1..5).
// params: as_of: date = today
// returns: id, parties, technologies, components, depth
MATCH (a:Agreement)
WHERE coalesce(a.status, 'active') = 'active'
  AND (a.start IS NULL OR a.start <= $as_of)
  AND (a.end IS NULL OR a.end >= $as_of)
RETURN a.id AS id,
       [(a)<-[:PARTY_TO]-(n:Nation) | n.code] AS parties,
       [(a)-[:COVERS]->(t:Technology) | t.id] AS technologies,
       [(a)<-[:LEADS]-(c:Component) | c.id] AS components,
       a.depth AS depth
