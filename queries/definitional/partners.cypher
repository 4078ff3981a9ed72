// name: partners
// purpose: Definitional form of partners: pairs of nations party to the same active agreements, with the technologies those list (with technology, those on it, under it or above it).
// params: as_of: date = today; nation: nation?; technology: technology?
// returns: nation_a, nation_b, technologies, agreements, count
MATCH (x:Nation)-[:PARTY_TO]->(a:Agreement)<-[:PARTY_TO]-(y:Nation)
WHERE x.code < y.code
  AND coalesce(a.status, 'active') = 'active'
  AND (a.start IS NULL OR a.start <= $as_of)
  AND (a.end IS NULL OR a.end >= $as_of)
  AND ($nation IS NULL OR x.code = $nation OR y.code = $nation)
MATCH (a)-[:COVERS]->(t:Technology)
WHERE $technology IS NULL
   OR EXISTS { MATCH (t)-[:BROADER*0..]->(:Technology {id: $technology}) }
   OR EXISTS { MATCH (:Technology {id: $technology})-[:BROADER*1..]->(t) }
WITH x.code AS nation_a, y.code AS nation_b, collect(DISTINCT a.id) AS agreements, collect(DISTINCT t.id) AS technologies
RETURN nation_a, nation_b, technologies, agreements, size(agreements) AS count
ORDER BY nation_a, nation_b
