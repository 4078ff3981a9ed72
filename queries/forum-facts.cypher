// name: forum-facts
// purpose: Every forum with its parent forums, the technologies it covers and its memberships (nation, role, since, until; the date rule is applied in memory).
// params: none
// returns: id, parents, covers, memberships
MATCH (f:Forum)
RETURN f.id AS id,
       [(f)-[:PART_OF]->(p:Forum) | p.id] AS parents,
       [(f)-[:COVERS]->(t:Technology) | t.id] AS covers,
       [(f)<-[r:MEMBER_OF]-(m:Nation) | [m.code, r.role, r.since, r.until]] AS memberships
