// name: counts
// purpose: How many nations, forums, agreements (and active ones), technologies and restrictions the graph holds.
// params: as_of: date = today
// returns: nations, forums, agreements, active_agreements, technologies, restrictions
RETURN COUNT { MATCH (:Nation) } AS nations,
       COUNT { MATCH (:Forum) } AS forums,
       COUNT { MATCH (:Agreement) } AS agreements,
       COUNT {
         MATCH (a:Agreement)
         WHERE coalesce(a.status, 'active') = 'active'
           AND (a.start IS NULL OR a.start <= $as_of) AND (a.end IS NULL OR a.end >= $as_of)
       } AS active_agreements,
       COUNT { MATCH (:Technology) } AS technologies,
       COUNT { MATCH (:Restriction) } AS restrictions
