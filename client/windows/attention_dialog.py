"""The attention check: a small dialog with a random 4-digit number to type back.

The player shows it at the policy's attention-check interval and after the idle timeout;
credit stays stopped until the right number is typed. A wrong entry gets a new number.
Closing the dialog without answering leaves the check pending. GUI thread only; no I/O.
Must not import engines.
"""

from __future__ import annotations

import secrets

from PySide6.QtCore import QRegularExpression, Qt, Signal
from PySide6.QtGui import QFont, QRegularExpressionValidator
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)


def new_number() -> str:
    return f"{1000 + secrets.randbelow(9000)}"


class AttentionDialog(QDialog):
    """Window-modal check over the player. GUI thread only."""

    answered = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Are you still studying?"))
        self.setWindowModality(Qt.WindowModality.WindowModal)
        self._number = new_number()

        intro = QLabel(self.tr("Timing is paused. Type the number below to continue studying."), self)
        intro.setWordWrap(True)
        self._number_label = QLabel(self)
        self._number_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self._number_label.setTextInteractionFlags(Qt.TextInteractionFlag.NoTextInteraction)
        big = QFont(self.font())
        big.setPointSizeF(big.pointSizeF() * 2.2 if big.pointSizeF() > 0 else 24)
        big.setBold(True)
        big.setLetterSpacing(QFont.SpacingType.AbsoluteSpacing, 6)
        self._number_label.setFont(big)
        self._number_label.setAccessibleName(self.tr("Number to type"))
        self._number_label.setProperty("role", "big")

        self.input = QLineEdit(self)
        self.input.setMaxLength(4)
        self.input.setValidator(QRegularExpressionValidator(QRegularExpression(r"\d{0,4}"), self.input))
        self.input.setPlaceholderText(self.tr("4 digits"))
        self.input.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.input.setAccessibleName(self.tr("Your answer"))

        self.feedback = QLabel("", self)
        self.feedback.setWordWrap(True)
        self.feedback.setProperty("role", "error")

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok, self)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText(self.tr("Continue studying"))
        buttons.accepted.connect(self.check)
        self.input.returnPressed.connect(self.check)

        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self._number_label)
        layout.addWidget(self.input)
        layout.addWidget(self.feedback)
        layout.addWidget(buttons)
        self._show_number()
        self.setMinimumWidth(self.fontMetrics().horizontalAdvance("M") * 30)

    @property
    def number(self) -> str:
        """The number the person must type (also what the dialog shows)."""
        return self._number

    def _show_number(self) -> None:
        self._number_label.setText(self._number)

    def check(self) -> bool:
        """Accept on the right number; otherwise show a new number and say so."""
        if self.input.text().strip() == self._number:
            self.feedback.clear()
            self.answered.emit()
            self.accept()
            return True
        self._number = new_number()
        self._show_number()
        self.input.clear()
        self.feedback.setText(self.tr("That was not the number shown. Please type the new number."))
        self.input.setFocus()
        return False
