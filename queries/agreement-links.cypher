// name: agreement-links
// purpose: Every agreement with its status, dates, parties, technologies, lead components and depth (1..5); callers apply the active rule in memory.
// params: none
// returns: id, status, start, end, parties, technologies, components, depth
MATCH (a:Agreement)
RETURN a.id AS id, a.status AS status, a.start AS start, a.end AS end,
       [(a)<-[:PARTY_TO]-(n:Nation) | n.code] AS parties,
       [(a)-[:COVERS]->(t:Technology) | t.id] AS technologies,
       [(a)<-[:LEADS]-(c:Component) | c.id] AS components,
       a.depth AS depth
