// name: restriction-detail
// purpose: One restriction with the nations and technologies it applies to and the exemptions overriding it.
// params: id: string
// returns: id, kind, effect, citation, effective, until, source, nations, technologies, overridden_by
MATCH (r:Restriction {id: $id})
RETURN r.id AS id, r.kind AS kind, r.effect AS effect, r.citation AS citation,
       r.effective AS effective, r.until AS until, r.source AS source,
       [(r)-[:APPLIES_TO]->(n:Nation) | n.code] AS nations,
       [(r)-[:APPLIES_TO]->(t:Technology) | t.id] AS technologies,
       [(r)<-[:OVERRIDES]-(e:Exemption) | e.id] AS overridden_by
