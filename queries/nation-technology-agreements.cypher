// name: nation-technology-agreements
// purpose: Active agreements a nation is party to that cover a technology, an ancestor or a descendant of it.
// params: as_of: date = today; nation: nation; technology: technology
// returns: agreement, title, type, technologies
MATCH (p:Technology {id: $technology})
WITH [(p)<-[:BROADER*0..]-(d:Technology) | d] + [(p)-[:BROADER*1..]->(u:Technology) | u] AS related
UNWIND related AS c
MATCH (c)<-[:COVERS]-(a:Agreement)
WHERE coalesce(a.status, 'active') = 'active'
  AND (a.start IS NULL OR a.start <= $as_of)
  AND (a.end IS NULL OR a.end >= $as_of)
  AND EXISTS { MATCH (a)<-[:PARTY_TO]-(:Nation {code: $nation}) }
RETURN a.id AS agreement, a.title AS title, a.type AS type, collect(DISTINCT c.id) AS technologies
ORDER BY agreement
