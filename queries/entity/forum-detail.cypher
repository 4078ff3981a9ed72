// name: forum-detail
// purpose: One forum with its parent, sub-forums, members (active or not as of a date), technologies and agreements.
// params: id: string; as_of: date = today
// returns: id, name, kind, established, source, parent, children, members, covers, agreements
MATCH (f:Forum {id: $id})
RETURN f.id AS id, f.name AS name, f.kind AS kind, f.established AS established, f.source AS source,
       [(f)-[:PART_OF]->(p:Forum) | {id: p.id, name: p.name}] AS parent,
       [(f)<-[:PART_OF]-(c:Forum) | {id: c.id, name: c.name}] AS children,
       [(f)<-[m:MEMBER_OF]-(n:Nation) | {
         nation: n.code, name: n.name, role: coalesce(m.role, 'member'), since: m.since, until: m.until,
         active: (m.since IS NULL OR m.since <= $as_of) AND (m.until IS NULL OR m.until >= $as_of)
       }] AS members,
       [(f)-[:COVERS]->(t:Technology) | {id: t.id, name: t.name}] AS covers,
       [(f)<-[:UNDER_AUSPICES_OF]-(a:Agreement) | {
         id: a.id, title: a.title, type: a.type,
         active: coalesce(a.status, 'active') = 'active'
           AND (a.start IS NULL OR a.start <= $as_of) AND (a.end IS NULL OR a.end >= $as_of)
       }] AS agreements
