"""qbXML records → the Codat data model, one module per family of types."""
