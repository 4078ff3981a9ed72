// name: restriction-facts
// purpose: Every restriction with its dates, review date, provenance and what it applies to, for the disclosure rules in memory.
// params: none
// returns: id, kind, effect, citation, effective, until, review_by, source, run_id, nations, technologies
MATCH (r:Restriction)
RETURN r.id AS id,
       r.kind AS kind,
       r.effect AS effect,
       r.citation AS citation,
       r.effective AS effective,
       r.until AS until,
       r.review_by AS review_by,
       r.source AS source,
       r.run_id AS run_id,
       [(r)-[:APPLIES_TO]->(n:Nation) | n.code] AS nations,
       [(r)-[:APPLIES_TO]->(t:Technology) | t.id] AS technologies
ORDER BY id
