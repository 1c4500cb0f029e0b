"""The reporting network's pure parts: signed exchange bundles (:mod:`chokepoint.network.bundles`)."""
