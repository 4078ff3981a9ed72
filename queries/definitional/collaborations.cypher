// name: collaborations
// purpose: Definitional form of collaborations: nations and the technologies of the active agreements they are party to.
// params: as_of: date = today; nation: nation?; technology: technology?; component: component?
// returns: nation, technology, agreements, count
MATCH (n:Nation)-[:PARTY_TO]->(a:Agreement)-[:COVERS]->(t:Technology)
WHERE coalesce(a.status, 'active') = 'active'
  AND (a.start IS NULL OR a.start <= $as_of)
  AND (a.end IS NULL OR a.end >= $as_of)
  AND ($nation IS NULL OR n.code = $nation)
  AND ($component IS NULL OR EXISTS { MATCH (a)<-[:LEADS]-(:Component {id: $component}) })
  AND ($technology IS NULL OR EXISTS { MATCH (t)-[:BROADER*0..]->(:Technology {id: $technology}) })
WITH n.code AS nation, t.id AS technology, collect(DISTINCT a.id) AS agreements
RETURN nation, technology, agreements, size(agreements) AS count
ORDER BY count DESC, nation, technology
