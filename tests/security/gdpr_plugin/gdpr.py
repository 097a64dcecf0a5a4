from __future__ import annotations

from dataclasses import dataclass

from pharmacies import gdpr

FOLDER = "fidelite"


@dataclass
class LoyaltyCard:
    pharmacy_id: int
    email: str
    number: str
    points: int


# The app's "storage": what a real app keeps in its tables.
CARDS: list[LoyaltyCard] = []


class LoyaltyCardData(gdpr.PatientData):
    key = "loyalty_cards"
    count_labels = {"loyalty_cards": "%(n)s carte(s) de fidélité"}

    def find(self, about=()):
        self.rows = [
            card
            for card in CARDS
            if card.pharmacy_id == self.patient.pharmacy.pk
            and card.email.lower() == self.patient.email
        ]

    def related_objects(self):
        return []

    def export(self):
        return [{"number": card.number, "points": card.points} for card in self.rows]

    def files(self):
        for card in self.rows:
            yield f"{FOLDER}/{card.number}.txt", f"{card.number}: {card.points}".encode()

    def erase(self):
        for card in self.rows:
            CARDS.remove(card)

    def references(self):
        return [card.number for card in self.rows]
