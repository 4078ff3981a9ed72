// name: exemption-detail
// purpose: One exemption with the nations it benefits, the restrictions it overrides and the technologies it excludes.
// params: id: string
// returns: id, citation, effective, until, source, nations, overrides, excludes
MATCH (e:Exemption {id: $id})
RETURN e.id AS id, e.citation AS citation, e.effective AS effective, e.until AS until, e.source AS source,
       [(e)-[:BENEFITS]->(n:Nation) | n.code] AS nations,
       [(e)-[:OVERRIDES]->(r:Restriction) | r.id] AS overrides,
       [(e)-[:EXCLUDES]->(t:Technology) | t.id] AS excludes
