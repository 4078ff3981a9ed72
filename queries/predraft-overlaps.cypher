// name: predraft-overlaps
// purpose: Active agreements sharing a party and a technology (same, ancestor or descendant) with a proposal.
// params: as_of: date = today; parties: nations; technologies: technologies
// returns: agreement, title, type, parties, technologies
UNWIND $technologies AS proposed
MATCH (p:Technology {id: proposed})
MATCH (a:Agreement)-[:COVERS]->(c:Technology)
WHERE (EXISTS { MATCH (c)-[:BROADER*0..]->(p) } OR EXISTS { MATCH (p)-[:BROADER*0..]->(c) })
  AND coalesce(a.status, 'active') = 'active'
  AND (a.start IS NULL OR a.start <= $as_of)
  AND (a.end IS NULL OR a.end >= $as_of)
  AND EXISTS { MATCH (n:Nation)-[:PARTY_TO]->(a) WHERE n.code IN $parties }
WITH a, collect(DISTINCT proposed) AS overlapping
RETURN a.id AS agreement, a.title AS title, a.type AS type,
       [(n:Nation)-[:PARTY_TO]->(a) | n.code] AS parties,
       overlapping AS technologies
ORDER BY agreement
