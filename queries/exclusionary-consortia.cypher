// name: exclusionary-consortia
// purpose: Active agreements of three or more parties, all members of a forum that covers their technology, made outside it and leaving members out.
// params: as_of: date = today
// returns: agreement, forum, technologies, parties, excluded
MATCH (a:Agreement)
WHERE coalesce(a.status, 'active') = 'active'
  AND (a.start IS NULL OR a.start <= $as_of)
  AND (a.end IS NULL OR a.end >= $as_of)
WITH a, [(a)<-[:PARTY_TO]-(n:Nation) | n.code] AS parties
WHERE size(parties) >= 3
MATCH (f:Forum)
WHERE NOT EXISTS {
    MATCH (a)-[:UNDER*0..]->(:Agreement)-[:UNDER_AUSPICES_OF]->(:Forum)-[:PART_OF*0..]->(f)
  }
WITH a, parties, f,
     [(f)<-[r:MEMBER_OF]-(m:Nation)
       WHERE coalesce(r.role, 'member') = 'member'
         AND (r.since IS NULL OR r.since <= $as_of)
         AND (r.until IS NULL OR r.until >= $as_of) | m.code] AS members
WHERE all(p IN parties WHERE p IN members)
WITH a, parties, f, members,
     [(a)-[:COVERS]->(t:Technology)
       WHERE EXISTS { MATCH (t)-[:BROADER*0..]->(:Technology)<-[:COVERS]-(:Forum)-[:PART_OF*0..]->(f) }
       | t.id] AS technologies
WHERE size(technologies) > 0
WITH a, parties, f, technologies, [m IN members WHERE NOT m IN parties] AS excluded
WHERE size(excluded) > 0
RETURN a.id AS agreement, f.id AS forum, technologies, parties, excluded
ORDER BY agreement, forum
