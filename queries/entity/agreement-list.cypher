// name: agreement-list
// purpose: Every agreement with its type, status, dates, lead component, parties and technologies (ids and names), for the agreements list and search.
// params: none
// returns: id, title, type, status, start, end, component, source, parties, technologies, technology_names
MATCH (a:Agreement)
RETURN a.id AS id, a.title AS title, a.type AS type, a.status AS status, a.start AS start, a.end AS end,
       head([(a)<-[:LEADS]-(c:Component) | c.id]) AS component, a.source AS source,
       [(a)<-[:PARTY_TO]-(n:Nation) | n.code] AS parties,
       [(a)-[:COVERS]->(t:Technology) | t.id] AS technologies,
       [(a)-[:COVERS]->(t:Technology) | t.name] AS technology_names
ORDER BY id
