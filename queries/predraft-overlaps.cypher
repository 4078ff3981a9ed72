// name: predraft-overlaps
// purpose: Active agreements sharing a party and a technology (same, ancestor or descendant) with a proposal.
// params: as_of: date = today; parties: nations; technologies: technologies
// returns: agreement, title, type, parties, technologies
UNWIND $technologies AS proposed
MATCH (p:Technology {id: proposed})
WITH proposed, [(p)<-[:BROADER*0..]-(d:Technology) | d] + [(p)-[:BROADER*1..]->(u:Technology) | u] AS related
UNWIND related AS c
MATCH (c)<-[:COVERS]-(a:Agreement)
WHERE coalesce(a.status, 'active') = 'active'
  AND (a.start IS NULL OR a.start <= $as_of)
  AND (a.end IS NULL OR a.end >= $as_of)
  AND EXISTS { MATCH (a)<-[:PARTY_TO]-(n:Nation) WHERE n.code IN $parties }
WITH a, collect(DISTINCT proposed) AS overlapping
RETURN a.id AS agreement, a.title AS title, a.type AS type,
       [(a)<-[:PARTY_TO]-(n:Nation) | n.code] AS parties,
       overlapping AS technologies
ORDER BY agreement
