// name: disclosure-restrictions
// purpose: Restrictions in force that apply to a nation and a technology (or an ancestor), with the exemptions that override them.
// params: as_of: date = today; nation: nation; technology: technology
// returns: restriction, kind, effect, citation, scope, attaches_to, chain, exemptions, exemption_citations
MATCH (n:Nation {code: $nation})
MATCH path = (t:Technology {id: $technology})-[:BROADER*0..]->(anc:Technology)
WITH n, t, anc, [x IN nodes(path) | x.id] AS chain
MATCH (r:Restriction)
WHERE (r.effective IS NULL OR r.effective <= $as_of)
  AND (r.until IS NULL OR r.until >= $as_of)
WITH n, t, anc, chain, r,
     EXISTS { MATCH (r)-[:APPLIES_TO]->(n) } AS names_nation,
     EXISTS { MATCH (r)-[:APPLIES_TO]->(:Nation) } AS has_nations,
     EXISTS { MATCH (r)-[:APPLIES_TO]->(anc) } AS names_technology,
     EXISTS { MATCH (r)-[:APPLIES_TO]->(:Technology) } AS has_technologies
WITH n, t, anc, chain, r,
     CASE
       WHEN names_nation AND names_technology THEN 'nation and technology'
       WHEN names_nation AND NOT has_technologies AND anc = t THEN 'nation'
       WHEN NOT has_nations AND names_technology THEN 'technology'
     END AS scope
WHERE scope IS NOT NULL
OPTIONAL MATCH (r)<-[:OVERRIDES]-(e:Exemption)
WHERE (e.effective IS NULL OR e.effective <= $as_of)
  AND (e.until IS NULL OR e.until >= $as_of)
  AND EXISTS { MATCH (e)-[:BENEFITS]->(n) }
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
