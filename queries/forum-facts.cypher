// name: forum-facts
// purpose: Every forum with its parent forums, the technologies it covers and its members (role member) as of a date.
// params: as_of: date = today
// returns: id, parents, covers, members
MATCH (f:Forum)
RETURN f.id AS id,
       [(f)-[:PART_OF]->(p:Forum) | p.id] AS parents,
       [(f)-[:COVERS]->(t:Technology) | t.id] AS covers,
       [(f)<-[r:MEMBER_OF]-(m:Nation)
         WHERE coalesce(r.role, 'member') = 'member'
           AND (r.since IS NULL OR r.since <= $as_of)
           AND (r.until IS NULL OR r.until >= $as_of) | m.code] AS members
