// name: restriction-list
// purpose: Every restriction with its kind, effect, citation, dates and what it applies to, for the restrictions list and search.
// params: none
// returns: id, kind, effect, citation, effective, until, source, nations, technologies
MATCH (r:Restriction)
RETURN r.id AS id, r.kind AS kind, r.effect AS effect, r.citation AS citation,
       r.effective AS effective, r.until AS until, r.source AS source,
       [(r)-[:APPLIES_TO]->(n:Nation) | n.code] AS nations,
       [(r)-[:APPLIES_TO]->(t:Technology) | t.id] AS technologies
ORDER BY id
