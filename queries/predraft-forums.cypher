// name: predraft-forums
// purpose: Forums covering any proposed technology (themselves or through a sub-forum), with their current members.
// params: as_of: date = today; technologies: technologies
// returns: forum, name, kind, covered, members
MATCH (f:Forum)
WITH f, [tid IN $technologies WHERE EXISTS {
          MATCH (:Technology {id: tid})-[:BROADER*0..]->(:Technology)<-[:COVERS]-(:Forum)-[:PART_OF*0..]->(f)
        }] AS covered
WHERE size(covered) > 0
RETURN f.id AS forum, f.name AS name, f.kind AS kind, covered,
       [(f)<-[r:MEMBER_OF]-(m:Nation)
         WHERE coalesce(r.role, 'member') = 'member'
           AND (r.since IS NULL OR r.since <= $as_of)
           AND (r.until IS NULL OR r.until >= $as_of) | m.code] AS members
ORDER BY forum
