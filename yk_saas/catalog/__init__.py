"""Service catalog: categories and the services a firm sells."""
