// name: forum-list
// purpose: Every forum with its kind, parent and memberships (their dates: the list counts the active ones in memory).
// params: none
// returns: id, name, kind, parent, established, source, memberships
MATCH (f:Forum)
RETURN f.id AS id, f.name AS name, f.kind AS kind,
       head([(f)-[:PART_OF]->(p:Forum) | p.id]) AS parent,
       f.established AS established, f.source AS source,
       [(f)<-[m:MEMBER_OF]-(n:Nation) | [n.code, m.role, m.since, m.until]] AS memberships
ORDER BY id
