"""Adding a site by ZIP or by city name."""

import pytest

from network.errors import InputError
from network.places import find_zip, search_places, site_from_place


def test_search_by_city_and_state():
    """'Reno, NV' finds Reno in ZIP3 895; the largest match comes first."""
    reno = search_places("Reno, NV")[0]
    assert (reno.name, reno.state, reno.zip3) == ("Reno", "NV", "895")
    assert search_places("Portland")[0].population > search_places("Portland, ME")[0].population


def test_search_by_zip():
    """A 5-digit query is a ZIP; an unknown ZIP is a clear error."""
    assert find_zip("98032").zip3 == "980"
    assert search_places("98032")[0].state == "WA"
    with pytest.raises(InputError, match="unknown ZIP '99999'"):
        find_zip("99999")


def test_site_from_place_labels_estimates():
    """A new site gets estimated default costs, labelled as such."""
    site = site_from_place(search_places("Reno, NV")[0], "RNO2")
    assert site.zip3 == "895" and site.fixed_cost_usd_per_year > 0
    assert "estimate" in site.source
