"""The pure core: credits, clinicians, activities and completions. No I/O lives here."""
