"""Graph layer: settings, engine lifecycle, connection, schema and exports."""
