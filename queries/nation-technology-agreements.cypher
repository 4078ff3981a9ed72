// name: nation-technology-agreements
// purpose: Active agreements a nation is party to that cover a technology, an ancestor or a descendant of it.
// params: as_of: date = today; nation: nation; technology: technology
// returns: agreement, title, type, technologies
MATCH (n:Nation {code: $nation})-[:PARTY_TO]->(a:Agreement)-[:COVERS]->(c:Technology)
WHERE coalesce(a.status, 'active') = 'active'
  AND (a.start IS NULL OR a.start <= $as_of)
  AND (a.end IS NULL OR a.end >= $as_of)
  AND (EXISTS { MATCH (c)-[:BROADER*0..]->(:Technology {id: $technology}) }
       OR EXISTS { MATCH (:Technology {id: $technology})-[:BROADER*0..]->(c) })
RETURN a.id AS agreement, a.title AS title, a.type AS type, collect(DISTINCT c.id) AS technologies
ORDER BY agreement
