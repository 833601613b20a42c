"""The store: schema, migrations and the queries the composing layer needs."""
