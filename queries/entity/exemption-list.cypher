// name: exemption-list
// purpose: Every exemption with its citation, dates, the nations it benefits and the restrictions it overrides, for the exemptions list and search.
// params: none
// returns: id, citation, effective, until, source, nations, overrides
MATCH (e:Exemption)
RETURN e.id AS id, e.citation AS citation, e.effective AS effective, e.until AS until, e.source AS source,
       [(e)-[:BENEFITS]->(n:Nation) | n.code] AS nations,
       [(e)-[:OVERRIDES]->(r:Restriction) | r.id] AS overrides
ORDER BY id
