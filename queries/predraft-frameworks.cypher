// name: predraft-frameworks
// purpose: Active frameworks and MOUs whose parties include every proposed party and whose technologies cover every proposed one.
// params: as_of: date = today; parties: nations; technologies: technologies
// returns: agreement, title, type, parties, technologies
MATCH (:Technology {id: head($technologies)})-[:BROADER*0..]->(:Technology)<-[:COVERS]-(a:Agreement)
WHERE a.type IN ['FRAMEWORK', 'MOU']
  AND coalesce(a.status, 'active') = 'active'
  AND (a.start IS NULL OR a.start <= $as_of)
  AND (a.end IS NULL OR a.end >= $as_of)
WITH DISTINCT a
WITH a, [(a)<-[:PARTY_TO]-(n:Nation) | n.code] AS parties
WHERE all(p IN $parties WHERE p IN parties)
  AND all(tid IN $technologies WHERE EXISTS {
        MATCH (:Technology {id: tid})-[:BROADER*0..]->(:Technology)<-[:COVERS]-(a)
      })
RETURN a.id AS agreement, a.title AS title, a.type AS type, parties,
       [(a)-[:COVERS]->(t:Technology) | t.id] AS technologies
ORDER BY agreement
