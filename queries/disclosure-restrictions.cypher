// name: disclosure-restrictions
// purpose: The disclosure rule in Cypher (queries/rules.py evaluates the same rule in memory): restrictions in force that apply to a nation and a technology or an ancestor, with the exemptions that override them.
// params: as_of: date = today; nation: nation; technology: technology
// returns: restriction, kind, effect, citation, scope, attaches_to, chain, exemptions, exemption_citations
MATCH (r:Restriction)
WHERE (r.effective IS NULL OR r.effective <= $as_of)
  AND (r.until IS NULL OR r.until >= $as_of)
WITH r,
     [(r)-[:APPLIES_TO]->(x:Nation) | x.code] AS nations,
     [(r)-[:APPLIES_TO]->(y:Technology) | y.id] AS technologies
MATCH path = (t:Technology {id: $technology})-[:BROADER*0..]->(anc:Technology)
WITH r, t, anc, [x IN nodes(path) | x.id] AS chain,
     CASE
       WHEN $nation IN nations AND anc.id IN technologies THEN 'nation and technology'
       WHEN $nation IN nations AND size(technologies) = 0 AND anc = t THEN 'nation'
       WHEN size(nations) = 0 AND anc.id IN technologies THEN 'technology'
     END AS scope
WHERE scope IS NOT NULL
OPTIONAL MATCH (r)<-[:OVERRIDES]-(e:Exemption)
WHERE (e.effective IS NULL OR e.effective <= $as_of)
  AND (e.until IS NULL OR e.until >= $as_of)
  AND EXISTS { MATCH (e)-[:BENEFITS]->(:Nation {code: $nation}) }
  AND NOT EXISTS { MATCH (t)-[:BROADER*0..]->(:Technology)<-[:EXCLUDES]-(e) }
WITH r, scope, anc, chain, collect(e.id) AS exemptions, collect(e.citation) AS exemption_citations
RETURN r.id AS restriction,
       r.kind AS kind,
       r.effect AS effect,
       r.citation AS citation,
       scope,
       CASE WHEN scope = 'nation' THEN null ELSE anc.id END AS attaches_to,
       CASE WHEN scope = 'nation' THEN [] ELSE chain END AS chain,
       exemptions,
       exemption_citations
ORDER BY restriction, attaches_to
