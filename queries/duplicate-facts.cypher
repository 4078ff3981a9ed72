// name: duplicate-facts
// purpose: Every agreement with its status, dates, title, type, parties, technologies, lead components and the agreements above it (the duplicates analysis applies the active rule in memory).
// params: none
// returns: id, status, start, end, deliberate_redundancy, title, type, parties, technologies, components, above
MATCH (a:Agreement)
RETURN a.id AS id, a.status AS status, a.start AS start, a.end AS end,
       a.deliberate_redundancy AS deliberate_redundancy, a.title AS title, a.type AS type,
       [(a)<-[:PARTY_TO]-(n:Nation) | n.code] AS parties,
       [(a)-[:COVERS]->(t:Technology) | t.id] AS technologies,
       [(a)<-[:LEADS]-(c:Component) | c.id] AS components,
       [(a)-[:UNDER*1..]->(p:Agreement) | p.id] AS above
