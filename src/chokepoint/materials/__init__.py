"""Critical raw materials (pure core): supply concentration, import reliance, GeoPolRisk, EU supply
risk and the home economy's leverage, from world production and bilateral trade.
"""
