// name: agreement-facts
// purpose: Active agreements with parties, technologies, lead components, the agreements above them and their forums.
// params: as_of: date = today
// returns: id, parties, technologies, components, above, auspices, deliberate_redundancy
MATCH (a:Agreement)
WHERE coalesce(a.status, 'active') = 'active'
  AND (a.start IS NULL OR a.start <= $as_of)
  AND (a.end IS NULL OR a.end >= $as_of)
RETURN a.id AS id,
       [(a)<-[:PARTY_TO]-(n:Nation) | n.code] AS parties,
       [(a)-[:COVERS]->(t:Technology) | t.id] AS technologies,
       [(a)<-[:LEADS]-(c:Component) | c.id] AS components,
       [(a)-[:UNDER*1..]->(p:Agreement) | p.id] AS above,
       [(a)-[:UNDER*0..]->(:Agreement)-[:UNDER_AUSPICES_OF]->(f:Forum) | f.id] AS auspices,
       coalesce(a.deliberate_redundancy, false) AS deliberate_redundancy
