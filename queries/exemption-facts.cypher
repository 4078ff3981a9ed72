// name: exemption-facts
// purpose: Every exemption with its dates, review date, provenance, beneficiaries, overridden restrictions and excluded technologies.
// params: none
// returns: id, citation, effective, until, review_by, source, run_id, nations, overrides, excludes
MATCH (e:Exemption)
RETURN e.id AS id,
       e.citation AS citation,
       e.effective AS effective,
       e.until AS until,
       e.review_by AS review_by,
       e.source AS source,
       e.run_id AS run_id,
       [(e)-[:BENEFITS]->(n:Nation) | n.code] AS nations,
       [(e)-[:OVERRIDES]->(r:Restriction) | r.id] AS overrides,
       [(e)-[:EXCLUDES]->(t:Technology) | t.id] AS excludes
ORDER BY id
