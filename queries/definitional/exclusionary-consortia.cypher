// name: exclusionary-consortia
// purpose: Definitional form of exclusionary-consortia: active agreements of three or more parties, all members of a forum covering their technology, made outside it and leaving members out; a forum chain with one excluded set is one row, the narrowest, with the broader forums in also.
// params: as_of: date = today
// returns: agreement, forum, technologies, parties, excluded, also
MATCH (a:Agreement)
WHERE coalesce(a.status, 'active') = 'active'
  AND (a.start IS NULL OR a.start <= $as_of)
  AND (a.end IS NULL OR a.end >= $as_of)
WITH a, [(a)<-[:PARTY_TO]-(n:Nation) | n.code] AS parties
WHERE size(parties) >= 3
MATCH (f:Forum)
WITH a, parties, f,
     [(f)<-[r:MEMBER_OF]-(m:Nation)
       WHERE coalesce(r.role, 'member') = 'member'
         AND (r.since IS NULL OR r.since <= $as_of)
         AND (r.until IS NULL OR r.until >= $as_of) | m.code] AS members
WHERE all(p IN parties WHERE p IN members)
  AND NOT EXISTS { MATCH (a)-[:UNDER*0..]->(:Agreement)-[:UNDER_AUSPICES_OF]->(:Forum)-[:PART_OF*0..]->(f) }
WITH a, parties, f,
     [(a)-[:COVERS]->(t:Technology)
       WHERE EXISTS { MATCH (t)-[:BROADER*0..]->(:Technology)<-[:COVERS]-(:Forum)-[:PART_OF*0..]->(f) } | t.id] AS technologies,
     [m IN members WHERE NOT m IN parties] AS excluded
WHERE size(technologies) > 0 AND size(excluded) > 0
WITH a, parties,
     collect({forum: f.id, technologies: technologies, excluded: excluded,
              above: [(f)-[:PART_OF*1..]->(h:Forum) | h.id]}) AS rows
UNWIND rows AS r
WITH a, parties, r,
     [o IN rows WHERE o.forum <> r.forum AND size(o.excluded) = size(r.excluded)
                  AND all(e IN o.excluded WHERE e IN r.excluded)] AS twins
WHERE none(o IN twins WHERE r.forum IN o.above)
RETURN a.id AS agreement, r.forum AS forum, r.technologies AS technologies, parties,
       r.excluded AS excluded, [o IN twins WHERE o.forum IN r.above | o.forum] AS also
ORDER BY agreement, forum
