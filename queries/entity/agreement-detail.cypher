// name: agreement-detail
// purpose: One agreement with its parties, technologies, parent, children, lead components and forums.
// params: id: string; as_of: date = today
// returns: id, title, type, status, start, end, depth, deliberate_redundancy, source, active, parties, technologies, parent, children, components, forums
MATCH (a:Agreement {id: $id})
RETURN a.id AS id, a.title AS title, a.type AS type, a.status AS status, a.start AS start, a.end AS end,
       a.depth AS depth, coalesce(a.deliberate_redundancy, false) AS deliberate_redundancy, a.source AS source,
       coalesce(a.status, 'active') = 'active'
         AND (a.start IS NULL OR a.start <= $as_of) AND (a.end IS NULL OR a.end >= $as_of) AS active,
       [(a)<-[p:PARTY_TO]-(n:Nation) | {
         nation: n.code, name: n.name, contribution: p.contribution, benefit: p.benefit
       }] AS parties,
       [(a)-[:COVERS]->(t:Technology) | {id: t.id, name: t.name}] AS technologies,
       [(a)-[:UNDER]->(p:Agreement) | {id: p.id, title: p.title}] AS parent,
       [(a)<-[:UNDER]-(c:Agreement) | {id: c.id, title: c.title}] AS children,
       [(a)<-[:LEADS]-(c:Component) | c.id] AS components,
       [(a)-[:UNDER_AUSPICES_OF]->(f:Forum) | {id: f.id, name: f.name}] AS forums
