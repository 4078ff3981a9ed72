// name: technology-detail
// purpose: One technology with its ancestors, children, mappings, forums covering it and active agreements on it.
// params: id: string; as_of: date = today
// returns: id, name, scheme, priority, source, ancestors, children, maps_to, forums, agreements
MATCH (t:Technology {id: $id})
RETURN t.id AS id, t.name AS name, t.scheme AS scheme, t.priority AS priority, t.source AS source,
       [path = (t)-[:BROADER*1..]->(x:Technology) | {id: x.id, name: x.name, depth: length(path)}] AS ancestors,
       [(t)<-[:BROADER]-(c:Technology) | {id: c.id, name: c.name}] AS children,
       [(t)-[:MAPS_TO]-(m:Technology) | {id: m.id, name: m.name, scheme: m.scheme}] AS maps_to,
       [(t)-[:BROADER*0..]->(:Technology)<-[:COVERS]-(f:Forum) | {id: f.id, name: f.name}] AS forums,
       [(t)<-[:BROADER*0..]-(:Technology)<-[:COVERS]-(a:Agreement)
         WHERE coalesce(a.status, 'active') = 'active'
           AND (a.start IS NULL OR a.start <= $as_of) AND (a.end IS NULL OR a.end >= $as_of)
         | {id: a.id, title: a.title, type: a.type}] AS agreements
