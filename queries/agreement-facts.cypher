// name: agreement-facts
// purpose: Active agreements of three or more parties, with their parties, technologies and the forums they work under.
// params: as_of: date = today
// returns: id, parties, technologies, auspices
MATCH (a:Agreement)
WHERE coalesce(a.status, 'active') = 'active'
  AND (a.start IS NULL OR a.start <= $as_of)
  AND (a.end IS NULL OR a.end >= $as_of)
WITH a, [(a)<-[:PARTY_TO]-(n:Nation) | n.code] AS parties
WHERE size(parties) >= 3
RETURN a.id AS id,
       parties,
       [(a)-[:COVERS]->(t:Technology) | t.id] AS technologies,
       [(a)-[:UNDER*0..]->(:Agreement)-[:UNDER_AUSPICES_OF]->(f:Forum) | f.id] AS auspices
