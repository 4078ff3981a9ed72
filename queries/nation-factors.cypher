// name: nation-factors
// purpose: Regional priority and cooperative potential (1..3 each) of each rated nation.
// params: none
// returns: nation, name, regional_priority, cooperative_potential
MATCH (f:NationFactors)-[:RATES]->(n:Nation)
RETURN n.code AS nation, n.name AS name, f.regional_priority AS regional_priority,
       f.cooperative_potential AS cooperative_potential
ORDER BY nation
