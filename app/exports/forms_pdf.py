"""Printed forms: the 一事一档 loose-leaf sheet, the requester's receipt, the cadres' contact card.

Plain data in, PDF file out (reportlab platypus, no Qt). Every text is a Paragraph with CJK word
wrap so long text wraps instead of being cut; nothing is smaller than 11 pt; the same input gives
the same bytes (reportlab's invariant mode); each file is written to a temporary file in the
target folder and renamed over the target, so a half-written form never replaces a good one.

The sheet and the slips are kept in the village office or handed to the requester, so they show
the requester's name, but the ID number and the requester's phone are always masked.
"""

from app.exports.forms_sheet_pdf import write_item_sheet
from app.exports.forms_slips_pdf import write_contact_cards, write_receipt

__all__ = ["write_contact_cards", "write_item_sheet", "write_receipt"]
