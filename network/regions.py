"""US Census regions: which states each holds, for the demand's region multipliers.

Source: US Census Bureau, "Census Regions and Divisions of the United States" (four regions;
DC is in the South).
"""

from __future__ import annotations

from typing import Literal

Region = Literal["Northeast", "Midwest", "South", "West"]  # the keys of US_REGIONS

US_REGIONS: dict[str, tuple[str, ...]] = {
    "Northeast": ("CT", "ME", "MA", "NH", "RI", "VT", "NJ", "NY", "PA"),
    "Midwest": ("IL", "IN", "MI", "OH", "WI", "IA", "KS", "MN", "MO", "NE", "ND", "SD"),
    "South": ("DE", "DC", "FL", "GA", "MD", "NC", "SC", "VA", "WV", "AL", "KY", "MS", "TN", "AR",
              "LA", "OK", "TX"),
    "West": ("AZ", "CO", "ID", "MT", "NV", "NM", "UT", "WY", "AK", "CA", "HI", "OR", "WA"),
}
STATE_REGION: dict[str, str] = {state: region for region, states in US_REGIONS.items()
                                for state in states}
