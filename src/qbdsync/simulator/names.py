"""Word pools for generated names and addresses, with the text quirks QuickBooks shows.

The pools deliberately hold accented names (Décor, Müller, Zoë), names outside ISO-8859-1
(Łukasz, Dvořák) that QuickBooks stores with ``?`` in place of such characters, ampersands,
apostrophes and double quotes, so a sync is exercised on the text real company files contain.
"""

from __future__ import annotations

import random
from typing import Final

NAME_MAX: Final[int] = 41

FIRST_NAMES: Final[tuple[str, ...]] = (
    "James",
    "Mary",
    "Robert",
    "Patricia",
    "John",
    "Jennifer",
    "Michael",
    "Linda",
    "David",
    "Elizabeth",
    "William",
    "Barbara",
    "Richard",
    "Susan",
    "Joseph",
    "Jessica",
    "Thomas",
    "Sarah",
    "Charles",
    "Karen",
    "Zoë",
    "Chloé",
    "Renée",
    "José",
    "François",
    "Jürgen",
    "Søren",
    "Ana",
    "Łukasz",
    "Miloš",
    "Agnieszka",
    "Siobhán",
    "Seán",
    "Noël",
    "Björn",
    "Inés",
    "Raúl",
    "Amélie",
    "Priya",
    "Wei",
    "Hiroshi",
    "Fatima",
    "Olumide",
    "Mateo",
    "Aoife",
    "Hamish",
    "Gwen",
    "Dylan",
)
LAST_NAMES: Final[tuple[str, ...]] = (
    "Smith",
    "Johnson",
    "Williams",
    "Brown",
    "Jones",
    "Garcia",
    "Miller",
    "Davis",
    "Rodriguez",
    "Martinez",
    "Hernandez",
    "Lopez",
    "Gonzalez",
    "Wilson",
    "Anderson",
    "Taylor",
    "Moore",
    "Müller",
    "Dvořák",
    "Nowakowski",
    "Ó Briain",
    "O'Neil",
    "D'Angelo",
    "Núñez",
    "Lefèvre",
    "Østergaard",
    "Šimek",
    "Kowalczyk",
    "Fernández",
    "Byrne",
    "MacLeod",
    "Nguyen",
    "Patel",
    "Kim",
    "Chen",
    "Okafor",
    "Rossi",
    "Schäfer",
    "Håkansson",
    "Çelik",
    "Thompson",
    "White",
)
COMPANY_FIRST: Final[tuple[str, ...]] = (
    "Acme",
    "Summit",
    "Blue Ridge",
    "Northwind",
    "Harbor",
    "Pioneer",
    "Evergreen",
    "Keystone",
    "Silver Lake",
    "Redwood",
    "Maple Leaf",
    "Cedar",
    "Granite",
    "Lakeside",
    "Riverside",
    "Golden Gate",
    "Crescent",
    "Prairie",
    "Highland",
    "Coastal",
    "Sunrise",
    "Atlas",
    "Beacon",
    "Brightwater",
    "Copperfield",
    "Ironbridge",
    "Kingsway",
    "Meadowbrook",
    "Oakridge",
    "Westfield",
    "Café Olé",
    "Crème",
    "Zoë's",
    "Müller &",
    "Łódź",
    "Smith & Sons",
    "O'Brien's",
    '"Best"',
)
COMPANY_SECOND: Final[tuple[str, ...]] = (
    "Décor",
    "Plumbing",
    "Electric",
    "Landscaping",
    "Builders",
    "Consulting",
    "Bakery",
    "Catering",
    "Design",
    "Auto Repair",
    "Dental",
    "Logistics",
    "Roofing",
    "Printing",
    "Florist",
    "Hardware",
    "Interiors",
    "Marketing",
    "Cleaning",
    "Fitness",
    "Heating & Cooling",
    "Kitchen & Bath",
    "Engineering",
    "Photography",
    "Veterinary",
    "Architecture",
    "Pâtisserie",
)
COMPANY_SUFFIX: Final[tuple[str, ...]] = (
    "",
    "",
    "",
    " Inc.",
    " LLC",
    " Ltd",
    " Co.",
    " Group",
    " & Associates",
    " Partners",
)
JOB_NAMES: Final[tuple[str, ...]] = (
    "Kitchen Remodel",
    "Bathroom",
    "Office Fit-out",
    "Roof Repair",
    "Annual Maintenance",
    "Phase 2",
    "Garden",
    "Basement Finishing",
    "Warehouse Expansion – North Wing",
    "Retail Store #12 Renovation & Signage",
    'Project "Aurora"',
    "Café Refurbishment",
)

CITIES: Final[dict[str, tuple[tuple[str, str, str], ...]]] = {
    "US": (
        ("Bayshore", "CA", "94326"),
        ("Middlefield", "CA", "94482"),
        ("Seattle", "WA", "98101"),
        ("Austin", "TX", "78701"),
        ("Denver", "CO", "80202"),
        ("Boston", "MA", "02108"),
        ("Chicago", "IL", "60601"),
        ("Portland", "OR", "97205"),
        ("Miami", "FL", "33101"),
    ),
    "CA": (
        ("Toronto", "ON", "M5V 2T6"),
        ("Montréal", "QC", "H2Y 1C6"),
        ("Vancouver", "BC", "V6B 1A1"),
        ("Calgary", "AB", "T2P 2M5"),
        ("Québec", "QC", "G1R 4P5"),
        ("Halifax", "NS", "B3J 1S9"),
    ),
    "UK": (
        ("London", "", "SW1A 1AA"),
        ("Manchester", "", "M1 1AE"),
        ("Edinburgh", "", "EH1 1YZ"),
        ("Cardiff", "", "CF10 1EP"),
        ("Bristol", "", "BS1 4DJ"),
        ("Leeds", "", "LS1 4AP"),
    ),
}
STREETS: Final[tuple[str, ...]] = (
    "Main St",
    "Oak Ave",
    "Maple Dr",
    "Cedar Ln",
    "Elm St",
    "Park Rd",
    "High St",
    "Church Rd",
    "Rue Sainte-Catherine",
    "King St W",
    "Station Rd",
    "Market Sq",
    "Lakeview Blvd",
)
COUNTRY_NAMES: Final[dict[str, str]] = {"US": "USA", "CA": "Canada", "UK": "United Kingdom"}

SERVICE_ITEMS: Final[tuple[tuple[str, str, int], ...]] = (
    # name, description, rate in cents
    ("Consulting", "Consulting services (hourly)", 12_500),
    ("Installation", "Installation labour", 8_500),
    ("Repairs", "Repair work", 7_500),
    ("Design", "Design & drafting — per hour", 9_500),
    ("Maintenance", "Scheduled maintenance visit", 15_000),
    ("Removal", "Removal and disposal", 6_000),
    ("Inspection", 'Site inspection incl. "as built" report', 22_500),
    ("Training", "On-site training", 11_000),
    ("Support", "Remote support (per hour)", 9_000),
    ("Delivery", "Delivery charge", 4_500),
)
MEMOS: Final[tuple[str, ...]] = (
    "",
    "",
    "",
    "Thank you for your business!",
    "Net 30 — please pay on time",
    "Deposit received",
    "Per quote Q-1042",
    "Ask for Zoë",
    'Includes "rush" fee',
    "Parts & labour",
    "Customer PO <pending>",
)


def qb_text(text: str) -> str:
    """Text as QuickBooks stores it: characters outside ISO-8859-1 become ``?``."""
    if text.isascii():
        return text
    return text.encode("latin-1", "replace").decode("latin-1")


def clip(text: str, limit: int = NAME_MAX) -> str:
    """Cut to a QuickBooks length limit (counted in characters, not bytes)."""
    return text[:limit].rstrip()


def person_name(rng: random.Random) -> tuple[str, str]:
    return rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)


def company_name(rng: random.Random) -> str:
    return f"{rng.choice(COMPANY_FIRST)} {rng.choice(COMPANY_SECOND)}{rng.choice(COMPANY_SUFFIX)}"


class UniqueNames:
    """Hands out names unique in one QuickBooks namespace (customers and vendors share one)."""

    def __init__(self) -> None:
        self._taken: set[str] = set()
        self._next_number: dict[str, int] = {}

    def take(self, wanted: str) -> str:
        name = clip(qb_text(wanted))
        if name not in self._taken:
            self._taken.add(name)
            return name
        number = self._next_number.get(name, 2)
        while True:
            candidate = clip(name, NAME_MAX - 8) + f" ({number})"
            number += 1
            if candidate not in self._taken:
                self._next_number[name] = number
                self._taken.add(candidate)
                return candidate

    def add(self, name: str) -> None:
        self._taken.add(name)
