"""Human-readable renderings (text tables now; Excel, HTML and PDF reports later)."""
