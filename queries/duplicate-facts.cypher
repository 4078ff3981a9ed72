// name: duplicate-facts
// purpose: Active agreements not marked deliberately redundant, with title, type, parties, technologies, lead components and the agreements above them.
// params: as_of: date = today
// returns: id, title, type, parties, technologies, components, above
MATCH (a:Agreement)
WHERE coalesce(a.status, 'active') = 'active'
  AND (a.start IS NULL OR a.start <= $as_of)
  AND (a.end IS NULL OR a.end >= $as_of)
  AND NOT coalesce(a.deliberate_redundancy, false)
RETURN a.id AS id, a.title AS title, a.type AS type,
       [(a)<-[:PARTY_TO]-(n:Nation) | n.code] AS parties,
       [(a)-[:COVERS]->(t:Technology) | t.id] AS technologies,
       [(a)<-[:LEADS]-(c:Component) | c.id] AS components,
       [(a)-[:UNDER*1..]->(p:Agreement) | p.id] AS above
