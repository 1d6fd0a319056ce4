"""Write the default UPS, FedEx and USPS Priority Mail cards on the large-shipper basis.

Every default card is what a shipper of this size pays before its own negotiation: USPS's
commercial prices, and UPS and FedEx list prices less the typical large-shipper discount (an
estimate, see docs/sources.md). This script derives the cards that are not published on that
basis from the list and retail cards in list_prices/:

    UPS, FedEx base rate   = list rate x (1 - BASE_DISCOUNT)
    UPS, FedEx residential = list surcharge x (1 - RESIDENTIAL_DISCOUNT)
    Priority Mail          = retail rate x (1 - PRIORITY_MAIL_DISCOUNT)

and the fuel surcharge stays the carrier's published percentage, which the lanes apply to the
net base rate. Minimum net charges per package are not modelled. The USPS Ground Advantage card
(a shipper's commercial card) and the transit days are kept by hand in this folder.

    python data/rate_cards/build_cards.py                     # rewrite the default cards
    python data/rate_cards/build_cards.py --base-discount 0.6 --out /tmp/cards
                                                              # a whole folder at 60% off list
"""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path

import pandas as pd

HERE = Path(__file__).resolve().parent
LIST_DIR = HERE / "list_prices"
# Typical discount off list for a shipper above USD 1M of parcel spend a year: 60-75%
# (atoship.com, 2025); the default network spends hundreds of millions. Midpoint.
BASE_DISCOUNT = 0.675
# Surcharge discounts are narrower than base-rate ones; a typical contract offer takes 30% off
# surcharges (atoship.com, Oct 2025).
RESIDENTIAL_DISCOUNT = 0.30
# USPS commercial prices run 2-32% below retail (Commercial Base 2-21% plus Commercial Plus
# 1-15% for large shippers; postaladvocate.com); a shipper of this size qualifies for the most.
PRIORITY_MAIL_DISCOUNT = 0.32
DISCOUNTED = ("ups_ground", "fedex_ground", "ups_2nd_day_air")


def base_note(discount: float) -> str:
    return (f"estimate: list less {100 * discount:g}%, the typical discount for a shipper "
            "above USD 1M a year (60-75%; docs/sources.md)")


def priority_note(discount: float) -> str:
    return (f"estimate: retail less {100 * discount:g}%, the deepest USPS commercial price "
            "(2-32% below retail; docs/sources.md)")


def net_card(service: str, base_discount: float, priority_discount: float) -> pd.DataFrame:
    """One derived card: the list (retail) card with its discount, rounded to the cent."""
    card = pd.read_csv(LIST_DIR / f"{service}.csv")
    discount = priority_discount if service == "usps_priority_mail" else base_discount
    note = (priority_note if service == "usps_priority_mail" else base_note)(discount)
    card["rate_usd"] = (card["rate_usd"] * (1 - discount)).round(2).map("{:.2f}".format)
    card["source"] = note + "; list: " + card["source"]
    return card


def net_services(services: pd.DataFrame, base_discount: float, residential_discount: float,
                 priority_discount: float) -> pd.DataFrame:
    """services.csv with the derived services' residential surcharge and basis restated."""
    listed = pd.read_csv(LIST_DIR / "surcharges.csv").set_index("service")
    out = services.copy()
    for i, row in out.iterrows():
        if row["service"] in DISCOUNTED:
            resi = listed.loc[row["service"], "residential_surcharge_usd"]
            net = round(resi * (1 - residential_discount), 2)
            out.loc[i, "residential_surcharge_usd"] = f"{net:.2f}"
            out.loc[i, "source"] = (
                f"large-shipper price ({base_note(base_discount)}); fuel "
                f"{row['fuel_surcharge_pct']}% of the net rate; residential {resi:.2f} list "
                f"less {100 * residential_discount:g}% (estimate) = {net:.2f}; extra days to "
                "AK/HI/territories: estimate")
        elif row["service"] == "usps_priority_mail":
            out.loc[i, "source"] = (f"large-shipper price ({priority_note(priority_discount)}); "
                                    "no fuel or residential surcharge (USPS); extra days to "
                                    "AK/HI/territories: estimate")
    return out


def build(out_dir: Path = HERE, base_discount: float = BASE_DISCOUNT,
          residential_discount: float = RESIDENTIAL_DISCOUNT,
          priority_discount: float = PRIORITY_MAIL_DISCOUNT) -> None:
    """Write the derived cards and services.csv into `out_dir` (a copy of this folder's cards
    first when it is another folder, so that it is a complete rate-card folder)."""
    out_dir = Path(out_dir)
    if out_dir.resolve() != HERE:
        out_dir.mkdir(parents=True, exist_ok=True)
        for f in HERE.glob("*.csv"):
            shutil.copy(f, out_dir / f.name)
    for service in (*DISCOUNTED, "usps_priority_mail"):
        net_card(service, base_discount, priority_discount).to_csv(
            out_dir / f"{service}.csv", index=False)
    services = pd.read_csv(out_dir / "services.csv", dtype=str, keep_default_na=False)
    net_services(services, base_discount, residential_discount, priority_discount).to_csv(
        out_dir / "services.csv", index=False)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=HERE)
    parser.add_argument("--base-discount", type=float, default=BASE_DISCOUNT)
    parser.add_argument("--residential-discount", type=float, default=RESIDENTIAL_DISCOUNT)
    parser.add_argument("--priority-mail-discount", type=float, default=PRIORITY_MAIL_DISCOUNT)
    args = parser.parse_args()
    build(args.out, args.base_discount, args.residential_discount, args.priority_mail_discount)


if __name__ == "__main__":
    main()
